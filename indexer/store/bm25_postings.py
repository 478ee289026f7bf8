"""FTS5's bm25 computed over its own postings held in memory: the same scores, ~10x faster.

A keyword query of a few OR-ed words matches thousands of the ~12k chunks of the shared corpus,
and FTS5 evaluates bm25() row by row for all of them (~6 ms a question). Read once from the
generation's `fts5vocab` instance table, the postings fit in a few MB of numpy arrays, and one
question costs a gather and a scatter-add per term (~0.3 ms).

Scores equal FTS5's: the postings are FTS5's own tokens (its porter/unicode61 tokenizer, query
words tokenized by FTS5 itself through an in-memory table), and `score` follows sqlite's
`fts5Bm25Function` (k1 1.2, b 0.75, idf floored at 1e-6, column weights multiply term
frequencies, document length counts every column). A word FTS5 splits into several tokens
("foo_bar") is a phrase query, which these postings cannot answer: `tokens` returns None for
it and the caller asks FTS5.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indexer.lru import LockedLRU

K1 = 1.2  # sqlite's fts5Bm25Function constants
B = 0.75
MIN_IDF = 1e-6
_WORD_CACHE_SIZE = 50_000
_VOCAB_TABLE = "temp.newsqa_fts_vocab"
_NO_INTS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Posting:
    """The chunks (FAISS positions) holding one token, and its weighted frequency in each."""

    positions: npt.NDArray[np.int64]
    frequencies: npt.NDArray[np.float64]


class Bm25Postings:
    """A generation's keyword postings; thread-safe to query once built (`from_fts5`)."""

    def __init__(
        self,
        postings: dict[str, Posting],
        lengths: npt.NDArray[np.float64],
        tokenizer: FtsTokenizer,
    ) -> None:
        self._postings = postings
        self._size = len(lengths)
        self._length_norm = K1 * (1 - B + B * lengths / (lengths.mean() if self._size else 1.0))
        self._tokenizer = tokenizer

    @classmethod
    def from_fts5(
        cls, db: sqlite3.Connection, table: str, tokenize: str, column_weights: Sequence[float]
    ) -> Bm25Postings:
        """Reads every token instance of FTS5 table `table` (~0.8 s for 12k chunks).

        `column_weights` are bm25()'s, one per column in declaration order; `tokenize` is the
        table's tokenize option, for tokenizing query words the same way. Raises ValueError
        where the table's rowids are not 0..n-1 or fts5vocab's order is not the expected one.
        """
        columns = [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")]
        if not 0 < len(columns) <= 10:
            raise ValueError(f"{table} has {len(columns)} columns; 1 to 10 are supported")
        weights = np.array(
            [
                float(column_weights[i]) if i < len(column_weights) else 1.0
                for i in range(len(columns))
            ]
        )
        column_digit = " ".join(f"WHEN '{name}' THEN '{i}'" for i, name in enumerate(columns))
        instances, terms = f"{_VOCAB_TABLE}_instance", f"{_VOCAB_TABLE}_row"
        db.execute(f"CREATE VIRTUAL TABLE {instances} USING fts5vocab(main, {table}, instance)")
        db.execute(f"CREATE VIRTUAL TABLE {terms} USING fts5vocab(main, {table}, row)")
        try:
            # Two long strings, not a million tuples: ~3x faster to read and parse.
            docs_text, columns_text = db.execute(
                f"SELECT group_concat(doc), group_concat(CASE col {column_digit} END, '') "
                f"FROM {instances}"
            ).fetchone()
            term_counts = db.execute(f"SELECT term, cnt FROM {terms}").fetchall()
            (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            (top,) = db.execute(f"SELECT coalesce(max(rowid), -1) FROM {table}").fetchone()
        finally:
            db.execute(f"DROP TABLE IF EXISTS {instances}")
            db.execute(f"DROP TABLE IF EXISTS {terms}")
        size = int(top) + 1
        if int(count) != size:
            raise ValueError(f"{table} rowids are not 0..{size - 1} ({count} rows)")
        # Text mode (a separator) is the supported, non-deprecated use of fromstring.
        docs = np.fromstring(docs_text, dtype=np.int64, sep=",") if docs_text else _NO_INTS
        column_ids = np.frombuffer((columns_text or "").encode("ascii"), dtype=np.uint8) - 48
        tokens = [str(term) for term, _ in term_counts]
        counts = np.array([int(n) for _, n in term_counts], dtype=np.int64)
        postings, lengths = _aggregate(docs, weights[column_ids], tokens, counts, size)
        del docs_text, columns_text, docs, column_ids
        _return_free_memory()
        return cls(postings, lengths, FtsTokenizer(tokenize))

    def __len__(self) -> int:
        return self._size

    def document_frequency(self, token: str) -> int:
        posting = self._postings.get(token)
        return 0 if posting is None else len(posting.positions)

    def tokens(self, words: Sequence[str]) -> list[str] | None:
        """FTS5's token for each word (in order); None where a word is not exactly one token."""
        return self._tokenizer.tokens(words)

    def search(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """The k best (position, bm25 score) of the chunks holding any token, best first.

        Scores are positive (FTS5's rank negated). Ties go to the lower position. `allowed`,
        where given, restricts results to those positions.
        """
        scores = np.zeros(self._size, dtype=np.float64)
        matched = np.zeros(self._size, dtype=bool)
        # Not de-duplicated: FTS5 scores each phrase of the query, and two words may stem alike.
        for token in tokens:
            posting = self._postings.get(token)
            if posting is None:
                continue
            held = len(posting.positions)
            idf = max(float(np.log((self._size - held + 0.5) / (held + 0.5))), MIN_IDF)
            frequency = posting.frequencies
            norm = self._length_norm[posting.positions]
            # Grouped as sqlite groups it, so the doubles come out the same.
            scores[posting.positions] += idf * ((frequency * (K1 + 1.0)) / (frequency + norm))
            matched[posting.positions] = True
        if allowed is not None:
            keep = np.zeros(self._size, dtype=bool)
            keep[allowed] = True
            matched &= keep
        candidates = np.flatnonzero(matched)
        if len(candidates) == 0 or k <= 0:
            return []
        found = scores[candidates]
        if len(candidates) > k:
            # The k-th best score, then everything at least that good, ordered exactly.
            cutoff = np.partition(found, len(found) - k)[len(found) - k]
            keep_best = found >= cutoff
            candidates, found = candidates[keep_best], found[keep_best]
        order = np.lexsort((candidates, -found))[:k]
        return [(int(candidates[i]), float(found[i])) for i in order]


class FtsTokenizer:
    """Words to FTS5 tokens by FTS5 itself (a private in-memory table); cached per word."""

    def __init__(self, tokenize: str) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        quoted = tokenize.replace("'", "''")
        self._db.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize='{quoted}')")
        self._db.execute("CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, instance)")
        self._lock = threading.Lock()
        self._cache: LockedLRU[str, tuple[str, ...]] = LockedLRU(_WORD_CACHE_SIZE)

    def tokens(self, words: Sequence[str]) -> list[str] | None:
        known = {word: self._cache.get(word) for word in words}
        unknown = [word for word, tokens in known.items() if tokens is None]
        if unknown:
            known.update(self._tokenize(unknown))
        found: list[str] = []
        for word in words:
            tokens = known[word]
            if tokens is None or len(tokens) != 1:
                return None
            found.append(tokens[0])
        return found

    def _tokenize(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        with self._lock:
            self._db.executemany(
                "INSERT INTO words(rowid, word) VALUES (?, ?)", list(enumerate(words))
            )
            rows = self._db.execute(
                "SELECT doc, term FROM word_tokens ORDER BY doc, offset"
            ).fetchall()
            self._db.execute("DELETE FROM words")
        split: dict[int, list[str]] = {}
        for doc, term in rows:
            split.setdefault(int(doc), []).append(str(term))
        result = {word: tuple(split.get(i, ())) for i, word in enumerate(words)}
        for word, tokens in result.items():
            self._cache.put(word, tokens)
        return result


def _return_free_memory() -> None:
    """Gives the build's freed scratch memory (~60 MB of strings for 12k chunks) back to the
    OS: glibc keeps freed heap pages otherwise, and every worker would carry them."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _aggregate(
    docs: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    tokens: list[str],
    counts: npt.NDArray[np.int64],
    size: int,
) -> tuple[dict[str, Posting], npt.NDArray[np.float64]]:
    """Token instances (the documents of each token in turn, ascending) to postings.

    `counts` says how many instances each token has, in the instances' token order.
    """
    if int(counts.sum()) != len(docs) or len(weights) != len(docs):
        raise ValueError("fts5vocab's instance and row tables disagree")
    lengths = np.bincount(docs, minlength=size).astype(np.float64)
    if len(docs) == 0:
        return {}, lengths
    token_ends = np.cumsum(counts)
    token_starts = np.zeros(len(docs), dtype=bool)
    token_starts[token_ends[:-1]] = True
    token_starts[0] = True
    descending = (np.diff(docs) < 0) & ~token_starts[1:]
    if descending.any():
        raise ValueError("fts5vocab's instances are not in document order within a token")
    # A new (token, document) pair starts wherever the token or the document changes.
    pair_starts = token_starts.copy()
    pair_starts[1:] |= docs[1:] != docs[:-1]
    pair_index = np.cumsum(pair_starts) - 1
    frequencies = np.asarray(np.bincount(pair_index, weights=weights), dtype=np.float64)
    pair_docs = docs[pair_starts]
    bounds = np.cumsum(pair_starts)[token_ends - 1].tolist()  # each token's last pair + 1
    postings: dict[str, Posting] = {}
    begin = 0
    for token, end in zip(tokens, bounds, strict=True):
        postings[token] = Posting(pair_docs[begin:end], frequencies[begin:end])
        begin = end
    return postings, lengths
