"""Keyword search over a generation: bm25 over title (weighted up) and text, from FTS5.

Two engines give the same scores: FTS5's own `bm25()`, and the same computed with numpy over
FTS5's postings read into memory once per generation (`bm25_postings.py`, ~10x faster), which a
server loads up to MAX_CHUNKS_FOR_MEMORY_POSTINGS chunks. Queries are free text, never FTS5
syntax: their words, stopwords out, quoted and ORed. Filters on source or date are exact: tested
over the chunks' outlets and dates held in memory (`chunk_filter.py`) for the postings, in SQL
before the limit for FTS5.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence

from indexer.lru import LockedLRU
from indexer.store.bm25_postings import Bm25Postings
from indexer.store.chunk_filter import ChunkFilter
from indexer.store.read_pool import ReadPool
from indexer.text.stopwords import FUNCTION_WORDS
from indexer.types import SearchFilters

TITLE_WEIGHT = 2.0  # bm25 weight of the title column relative to the body
# A query term held by more than this share of the chunks is left out of the keyword query
# (unless every term is that common). On 500 RealTime QA dev questions at 0.2: keyword Hit@1
# .754 -> .756, hybrid Hit@1 .834 -> .834 and Hit@5 .950 -> .948, the keyword leg ~30% faster.
COMMON_TERM_SHARE = 0.2
MIN_CHUNKS_TO_PRUNE = 1000
TERM_COUNT_CACHE_SIZE = 50_000  # per opened generation; a term's count costs one FTS5 query
WARM_TERM_SAMPLE = 2000  # chunks sampled for the words counted at load
WARM_TERM_WORDS = 500  # their most frequent words, counted at load
# Above this many chunks the keyword postings stay in FTS5: reading them all at once takes
# memory in proportion (~7 KB a chunk while loading, ~1 KB after: 86 and 13 MB for 12k chunks).
MAX_CHUNKS_FOR_MEMORY_POSTINGS = 100_000

log = logging.getLogger(__name__)
_TOKENIZE_OPTION = re.compile(r"tokenize\s*=\s*'((?:[^']|'')*)'")  # in FTS5's CREATE statement

# English function words are left out of keyword queries so they do not dilute bm25.
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def keyword_terms(query: str) -> list[str]:
    """The distinct words of free text, lower-cased, stopwords out, in order."""
    terms: list[str] = []
    for word in _WORD_RE.findall(query.lower()):
        if word not in FUNCTION_WORDS and word not in terms:
            terms.append(word)
    return terms


def keyword_match_expression(query: str | Sequence[str]) -> str | None:
    """Free text (or its terms) to an FTS5 expression: terms quoted (no query syntax), ORed."""
    terms = keyword_terms(query) if isinstance(query, str) else list(query)
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


class KeywordIndex:
    """bm25 search over the `chunks_fts` table of one opened generation; thread-safe."""

    def __init__(self, pool: ReadPool, size: int, chunk_filter: ChunkFilter, name: str) -> None:
        self._pool = pool
        self._size = size  # chunks in the generation
        self._filter = chunk_filter
        self._name = name  # for the log
        self._term_counts: LockedLRU[str, int] = LockedLRU(TERM_COUNT_CACHE_SIZE)  # term: chunks
        self._postings: Bm25Postings | None = None  # load_postings

    def search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """The k best (position, score) by bm25, best first; score = -bm25.

        Unfiltered, on a large index, terms found in more than COMMON_TERM_SHARE of the chunks
        are left out while rarer ones remain: they add little to bm25 but most of the posting
        lists FTS5 must score. Under a filter every term stays (a globally common word may be
        the one that matches inside the filtered subset). With the postings in memory
        (`load_postings`) the same scores come from numpy instead of FTS5.
        """
        unfiltered = filters is None or filters.is_empty
        terms = keyword_terms(query)
        if not terms or k <= 0:
            return []
        if self._postings is not None:
            tokens = self._postings.tokens(terms)
            if tokens is not None:
                return self._search_in_memory(self._postings, tokens, k, filters)
        expression = keyword_match_expression(self._selective_terms(terms) if unfiltered else terms)
        if expression is None:
            return []
        if filters is None or filters.is_empty:
            rows = self._pool.query(
                "SELECT rowid, bm25(chunks_fts, ?, 1.0) AS rank FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
                [TITLE_WEIGHT, expression, k],
            )
        else:
            # Filters must apply before the limit, or a selective one would empty the result.
            where, params = _filter_sql(filters)
            rows = self._pool.query(
                "SELECT c.position, bm25(chunks_fts, ?, 1.0) AS rank "
                "FROM chunks_fts JOIN chunks c ON c.position = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ? AND {where} ORDER BY rank LIMIT ?",
                [TITLE_WEIGHT, expression, *params, k],
            )
        return [(int(position), -float(rank)) for position, rank in rows]

    def _search_in_memory(
        self, postings: Bm25Postings, tokens: list[str], k: int, filters: SearchFilters | None
    ) -> list[tuple[int, float]]:
        if filters is None or filters.is_empty:
            rare = _selective(tokens, len(postings), postings.document_frequency)
            return postings.search(rare, k)
        allowed = self._filter.positions(filters)
        return postings.search(tokens, k, allowed) if len(allowed) else []

    def load_postings(self) -> bool:
        """Holds the postings in memory, so searches skip FTS5 (~0.8 s, ~15 MB for 12k chunks);
        True where loaded. Where they cannot be read, term counts are warmed instead and FTS5
        keeps answering."""
        if self._postings is not None:
            return True
        if self._size > MAX_CHUNKS_FOR_MEMORY_POSTINGS:
            log.info("%s: %d chunks; keyword postings stay in FTS5", self._name, self._size)
            self.warm_term_counts()
            return False
        with self._pool.connection() as db:
            try:
                # The generation's own tokenizer (older ones may differ); FTS5's default otherwise.
                (schema,) = db.execute(
                    "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'"
                ).fetchone()
                option = _TOKENIZE_OPTION.search(str(schema))
                tokenize = option.group(1).replace("''", "'") if option else "unicode61"
                weights = (TITLE_WEIGHT, 1.0)
                self._postings = Bm25Postings.from_fts5(db, "chunks_fts", tokenize, weights)
            except (sqlite3.Error, ValueError) as exc:
                log.warning("%s: keyword postings not loaded (%s); FTS5 answers", self._name, exc)
                loaded = False
            else:
                loaded = True
        if not loaded:
            self.warm_term_counts()
        return loaded

    def warm_term_counts(self, words: int = WARM_TERM_WORDS) -> None:
        """Counts the most frequent words of (a sample of) the chunks ahead of queries.

        Common words are the ones whose counts are expensive (long posting lists) and the
        ones every query meets; counting them at load keeps that cost off the first requests.
        """
        if self._size < MIN_CHUNKS_TO_PRUNE:
            return
        step = max(1, self._size // WARM_TERM_SAMPLE)
        rows = self._pool.query("SELECT text FROM chunks WHERE position % ? = 0", (step,))
        frequency = Counter(term for (text,) in rows for term in keyword_terms(text))
        for term, _ in frequency.most_common(words):
            self._chunks_holding(term)

    def _selective_terms(self, terms: list[str]) -> list[str]:
        return _selective(terms, self._size, self._chunks_holding)

    def _chunks_holding(self, term: str) -> int:
        """How many chunks hold `term` (FTS5's own tokenisation), cached per generation."""
        count = self._term_counts.get(term)
        if count is not None:
            return count
        (row,) = self._pool.query(
            "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
            (keyword_match_expression([term]),),
        )
        self._term_counts.put(term, int(row[0]))
        return int(row[0])


def _selective(terms: list[str], total: int, chunks_holding: Callable[[str], int]) -> list[str]:
    """`terms` less the common ones; all of them where every one is common."""
    if total < MIN_CHUNKS_TO_PRUNE:
        return terms  # "common" means little in a small collection, and it is fast anyway
    rare = [t for t in terms if chunks_holding(t) <= COMMON_TERM_SHARE * total]
    return rare or terms


def _filter_sql(filters: SearchFilters) -> tuple[str, list[object]]:
    clauses: list[str] = ["1"]
    params: list[object] = []
    if filters.sources:
        clauses.append(f"c.source COLLATE NOCASE IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    # A NULL published_at never compares true: undated chunks drop out only under a date filter.
    if filters.published_after is not None:
        clauses.append("c.published_at >= ?")
        params.append(filters.published_after.isoformat())
    if filters.published_before is not None:
        clauses.append("c.published_at <= ?")
        params.append(filters.published_before.isoformat())
    return " AND ".join(clauses), params
