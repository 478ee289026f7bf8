"""One generation of an index: FAISS for vectors, one SQLite file for everything else.

SQLite holds the articles (duplicates too, with their canonical id, content hash and dedup
signature), the chunks (text, offsets, denormalised metadata; the row id is the chunk's vector
position in FAISS) and the keyword index. The keyword index is SQLite FTS5 with bm25 rather
than a separate library such as bm25s because it lives in the same file as the chunk rows (one
checksum, one atomic publish) and is built incrementally by plain INSERTs. A server reads FTS5's
postings into memory once per generation and scores bm25 with numpy (`bm25_postings.py`, the
same scores); filters on source or date are exact, tested over the chunks' outlets and dates held
in memory (`chunk_filter.py`) rather than over-fetching and post-filtering.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import faiss as _faiss_module
import numpy as np
import numpy.typing as npt

from indexer.bm25_postings import Bm25Postings
from indexer.chunk_filter import ChunkFilter
from indexer.errors import IndexCorruptError, IndexMismatchError
from indexer.flat_index import ExactFlatIndex
from indexer.generations import current_generation_dir
from indexer.lru import LockedLRU
from indexer.manifest import Manifest, read_manifest, verify_checksums
from indexer.protocols import FloatMatrix
from indexer.types import Article, Chunk, ChunkRef, ScoredChunk, ScoredRef, SearchFilters

SQLITE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.npy"
FAISS_NAME = "index.faiss"
TITLE_WEIGHT = 2.0  # bm25 weight of the title column relative to the body
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128  # recall@10 >= 0.95 at 1M vectors with SQ8 codes (bench/results/scale.json)
# NEWSQA_FAISS_INDEX_TYPE=auto: exact search below this many chunks; from there HNSW over 8-bit
# scalar-quantised vectors (a quarter of float32's memory). Measured by `newsqa bench scale`
# (README, "Vector search at scale").
AUTO_APPROXIMATE_FROM = 100_000
SQLITE_POOL_SIZE = 4  # concurrent SQLite reads per opened generation
# A query term held by more than this share of the chunks is left out of the keyword query
# (unless every term is that common). On 500 RealTime QA dev questions at 0.2: keyword Hit@1
# .754 -> .756, hybrid Hit@1 .834 -> .834 and Hit@5 .950 -> .948, the keyword leg ~30% faster.
COMMON_TERM_SHARE = 0.2
MIN_CHUNKS_TO_PRUNE = 1000
TERM_COUNT_CACHE_SIZE = 50_000  # per opened generation; a term's count costs one FTS5 query
WARM_TERM_SAMPLE = 2000  # chunks sampled for the words counted at load
WARM_TERM_WORDS = 500  # their most frequent words, counted at load
IVF_MIN_TRAIN_PER_LIST = 39  # faiss warns below this many training points per list
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"
# Above this many chunks the keyword postings stay in FTS5: reading them all at once takes
# memory in proportion (~7 KB a chunk while loading, ~1 KB after: 86 and 13 MB for 12k chunks).
MAX_CHUNKS_FOR_MEMORY_POSTINGS = 100_000

_SCHEMA = f"""
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT, source TEXT, url TEXT, published_at TEXT, author TEXT,
    text TEXT NOT NULL, partial INTEGER NOT NULL, origin TEXT,
    content_hash TEXT NOT NULL,
    text_hash TEXT, signature BLOB,      -- dedup keys; NULL where not computed (duplicates)
    canonical_id TEXT,                   -- NULL for indexed articles
    dup_kind TEXT, similarity REAL       -- 'exact' or 'near' for duplicates
);
CREATE INDEX articles_canonical ON articles(canonical_id);
CREATE TABLE chunks (
    position INTEGER PRIMARY KEY,        -- the vector's position in FAISS
    id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    title TEXT, source TEXT, url TEXT, published_at TEXT,
    text_sha256 TEXT NOT NULL            -- key for reusing this chunk's vector
);
CREATE INDEX chunks_article ON chunks(article_id);
CREATE INDEX chunks_source ON chunks(source COLLATE NOCASE);
CREATE INDEX chunks_published ON chunks(published_at);
CREATE TABLE chunk_analysis (          -- indexer.analysis; one row per distinct chunk text
    text_sha256 TEXT PRIMARY KEY, analysis TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    title, text, content='chunks', content_rowid='position',
    tokenize='{FTS_TOKENIZE}'
);
"""

_CHUNK_COLUMNS = (
    "c.id, c.article_id, c.ordinal, c.text, c.start_char, c.end_char, c.token_count, "
    "c.title, c.source, c.url, c.published_at, "
    "(SELECT a.analysis FROM chunk_analysis a WHERE a.text_sha256 = c.text_sha256)"
)
# Search legs leave the analysis out: of their ~50 candidates a reader reads a few, which it
# fetches again by id (`get_chunks`). Generations written before sentence analysis existed
# have no chunk_analysis table at all.
_CHUNK_COLUMNS_WITHOUT_ANALYSIS = _CHUNK_COLUMNS.rsplit(", (", 1)[0] + ", NULL"
_ARTICLE_COLUMNS = "id, text, title, source, url, published_at, author, partial, origin"

log = logging.getLogger(__name__)
_TOKENIZE_OPTION = re.compile(r"tokenize\s*=\s*'((?:[^']|'')*)'")  # in FTS5's CREATE statement
# faiss ships stubs that lag its SWIG API (keyword SearchParameters, SearchParametersHNSW).
_faiss: Any = _faiss_module

# English function words; left out of keyword queries so they do not dilute bm25.
_STOPWORD_TEXT = """a about above after again against all am an and any are as at be
    because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ArticleRecord:
    """An article row: indexed (canonical_id None) or a duplicate of `canonical_id`."""

    article: Article
    canonical_id: str | None = None
    dup_kind: str | None = None
    similarity: float | None = None
    text_hash: str | None = None
    signature: bytes | None = None


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def keyword_terms(query: str) -> list[str]:
    """The distinct words of free text, lower-cased, stopwords out, in order."""
    terms: list[str] = []
    for word in _WORD_RE.findall(query.lower()):
        if word not in _STOPWORDS and word not in terms:
            terms.append(word)
    return terms


def keyword_match_expression(query: str | Sequence[str]) -> str | None:
    """Free text (or its terms) to an FTS5 expression: terms quoted (no query syntax), ORed."""
    terms = keyword_terms(query) if isinstance(query, str) else list(query)
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --------------------------------------------------------------------------- writing


class StoreWriter:
    """Writes one generation's SQLite file, vectors and FAISS index into an empty directory."""

    def __init__(self, directory: Path, dimension: int) -> None:
        self.directory = directory
        self.dimension = dimension
        self._db = sqlite3.connect(directory / SQLITE_NAME)
        # No journal: a half-written file is thrown away with its temp dir, never repaired.
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        self._vectors: list[FloatMatrix] = []
        self._positions = 0

    @property
    def chunk_count(self) -> int:
        return self._positions

    def add_article(self, record: ArticleRecord) -> None:
        self._db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", article_row(record)
        )

    def add_chunks(self, chunks: Sequence[Chunk], vectors: FloatMatrix) -> None:
        """Append chunks with their (n, dim) vectors; row i gets the next vector position."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if not chunks:
            return
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, not {self.dimension}")
        rows = [chunk_row(self._positions + i, c) for i, c in enumerate(chunks)]
        self._db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self._vectors.append(np.ascontiguousarray(vectors, dtype=np.float32))
        self._positions += len(chunks)

    def reuse_analyses(self, previous: Path) -> None:
        """Copies the previous generation's analyses of chunk texts this one holds."""
        self._db.execute("ATTACH DATABASE ? AS previous", (str(previous / SQLITE_NAME),))
        try:
            if self._db.execute(
                "SELECT 1 FROM previous.sqlite_master WHERE name = 'chunk_analysis'"
            ).fetchone():
                self._db.execute(
                    "INSERT OR IGNORE INTO chunk_analysis SELECT text_sha256, analysis "
                    "FROM previous.chunk_analysis "
                    "WHERE text_sha256 IN (SELECT text_sha256 FROM chunks)"
                )
            self._db.commit()
        finally:
            self._db.execute("DETACH DATABASE previous")

    def texts_without_analysis(self) -> list[tuple[str, str]]:
        """(sha256, text) of each distinct chunk text that has no analysis yet."""
        return missing_analyses(self._db)

    def add_analyses(self, pairs: Iterable[tuple[str, str]]) -> None:
        """(chunk text sha256, indexer.analysis.encode output) pairs."""
        self._db.executemany("INSERT OR REPLACE INTO chunk_analysis VALUES (?, ?)", pairs)

    def finish(self, faiss_type: str) -> str:
        """Build the keyword index, write every file; returns the FAISS type actually built."""
        self._db.execute(
            "INSERT INTO chunks_fts(rowid, title, text) "
            "SELECT position, coalesce(title, ''), text FROM chunks"
        )
        self._db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')")
        self._db.commit()
        self._db.close()
        vectors = (
            np.concatenate(self._vectors)
            if self._vectors
            else np.zeros((0, self.dimension), dtype=np.float32)
        )
        np.save(self.directory / VECTORS_NAME, vectors)
        built = effective_faiss_type(faiss_type, len(vectors))
        if built != "flat":
            write_faiss(built, vectors, self.directory / FAISS_NAME)
        return built


def missing_analyses(
    db: sqlite3.Connection, pending: Iterable[Chunk] = (), *, scan_stored: bool = True
) -> list[tuple[str, str]]:
    """(sha256, text) of the distinct chunk texts, stored or `pending`, without an analysis.

    `scan_stored=False` skips the stored chunks (a scan of every chunk text: ~0.2 s at 12k
    chunks) where the caller knows they are all analysed.
    """
    rows = (
        db.execute(
            "SELECT c.text_sha256, min(c.text) FROM chunks c WHERE NOT EXISTS "
            "(SELECT 1 FROM chunk_analysis a WHERE a.text_sha256 = c.text_sha256) "
            "GROUP BY c.text_sha256"
        ).fetchall()
        if scan_stored
        else []
    )
    found: dict[str, str] = {str(digest): str(text) for digest, text in rows}
    for chunk in pending:
        digest = text_sha256(chunk.text)
        if (
            digest not in found
            and not db.execute(
                "SELECT 1 FROM chunk_analysis WHERE text_sha256 = ?", (digest,)
            ).fetchone()
        ):
            found[digest] = chunk.text
    return list(found.items())


def article_row(record: ArticleRecord) -> tuple[object, ...]:
    """The `articles` row of a record, in column order."""
    a = record.article
    return (
        a.id, a.title, a.source, a.url, _iso(a.published_at), a.author, a.text,
        int(a.partial), a.origin, a.content_hash, record.text_hash, record.signature,
        record.canonical_id, record.dup_kind, record.similarity,
    )  # fmt: skip


def chunk_row(position: int, c: Chunk) -> tuple[object, ...]:
    """The `chunks` row of a chunk at vector `position`, in column order."""
    return (
        position, c.id, c.article_id, c.ordinal, c.text, c.start, c.end, c.token_count,
        c.title, c.source, c.url, _iso(c.published_at), text_sha256(c.text),
    )  # fmt: skip


def write_faiss(kind: str, vectors: FloatMatrix, path: Path) -> None:
    """Build a `kind` index over `vectors` and write it to `path`."""
    _faiss.write_index(_build_faiss(kind, vectors), str(path))


def effective_faiss_type(requested: str, count: int) -> str:
    """What is built for `requested` over `count` vectors ("auto" decides by size)."""
    if requested == "auto":
        requested = "hnsw_sq8" if count >= AUTO_APPROXIMATE_FROM else "flat"
    # IVF needs enough vectors to train its lists; below that, exact search is cheap anyway.
    if requested == "ivf" and count < IVF_MIN_TRAIN_PER_LIST * 4:
        return "flat"
    if requested in ("hnsw", "hnsw_sq8") and count == 0:
        return "flat"
    return requested


def _ivf_lists(count: int) -> int:
    return max(1, min(int(4 * np.sqrt(count)), count // IVF_MIN_TRAIN_PER_LIST))


def _build_faiss(kind: str, vectors: FloatMatrix) -> Any:
    dim = vectors.shape[1]
    index: Any
    if kind == "flat":
        index = _faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = _faiss.IndexHNSWFlat(dim, HNSW_M, _faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "hnsw_sq8":  # the graph over one byte per dimension (trained per dimension)
        index = _faiss.IndexHNSWSQ(
            dim, _faiss.ScalarQuantizer.QT_8bit, HNSW_M, _faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.train(vectors)
    elif kind == "ivf":
        index = _faiss.IndexIVFFlat(
            _faiss.IndexFlatIP(dim), dim, _ivf_lists(len(vectors)), _faiss.METRIC_INNER_PRODUCT
        )
        index.train(vectors)
        index.make_direct_map()  # lets filtered searches fall back to exact over a subset
    else:
        raise ValueError(
            f"faiss_index_type must be flat, hnsw, hnsw_sq8 or ivf. Currently, it is {kind!r}"
        )
    if len(vectors):
        index.add(vectors)
    return index


# --------------------------------------------------------------------------- reading


def open_index(
    index_dir: Path | str,
    *,
    expected_model: str | None = None,
    expected_dimension: int | None = None,
    verify: bool = True,
) -> Store:
    """Open the live generation for reading.

    Raises NoIndexError where none is published, IndexMismatchError for another model or
    dimension, IndexCorruptError (naming the file) for a failed checksum or inconsistent counts.
    Checksums are checked before FAISS reads any file.
    """
    gen_dir = current_generation_dir(Path(index_dir))
    if not gen_dir.is_dir():
        raise IndexCorruptError(f"CURRENT names {gen_dir}, which does not exist")
    manifest = read_manifest(gen_dir)
    if expected_model is not None and manifest.embedding_model != expected_model:
        raise IndexMismatchError(
            f"index {gen_dir} was built with model {manifest.embedding_model!r} "
            f"(dimension {manifest.dimension}), but {expected_model!r} was asked for; "
            "rebuild it with `newsqa index build`"
        )
    if expected_dimension is not None and manifest.dimension != expected_dimension:
        raise IndexMismatchError(
            f"index {gen_dir} has dimension {manifest.dimension} (model "
            f"{manifest.embedding_model!r}), but dimension {expected_dimension} was asked for"
        )
    if verify:
        verify_checksums(gen_dir, manifest)
    return Store(gen_dir, manifest)


class Store:
    """An opened, immutable generation (implements IndexReader); safe for concurrent reads."""

    def __init__(self, gen_dir: Path, manifest: Manifest) -> None:
        self.directory = gen_dir
        self.manifest = manifest
        # A fixed pool opened now, not per-thread connections opened later: open descriptors
        # keep the files readable even after a writer garbage-collects this generation.
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._connections = [self._connect() for _ in range(SQLITE_POOL_SIZE)]
        for db in self._connections:
            self._pool.put(db)
        self._closed = False
        self._term_counts: LockedLRU[str, int] = LockedLRU(TERM_COUNT_CACHE_SIZE)  # term: chunks
        self._sources: list[str] | None = None  # distinct outlets, read on first use
        self._postings: Bm25Postings | None = None  # load_keyword_postings
        analysed = self._query("SELECT 1 FROM sqlite_master WHERE name = 'chunk_analysis'")
        self._columns = _CHUNK_COLUMNS if analysed else _CHUNK_COLUMNS_WITHOUT_ANALYSIS
        self._index = self._load_faiss()
        self._check_counts()
        # Every chunk's id, article, outlet and date by position (~2 MB for 12k chunks): the
        # search legs rank with these and read texts only for what survives fusion.
        self._refs = self._load_refs()
        self._filter = ChunkFilter(self._refs)

    # --- IndexReader properties
    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def embedding_model(self) -> str:
        return self.manifest.embedding_model

    @property
    def dimension(self) -> int:
        return self.manifest.dimension

    @property
    def chunk_count(self) -> int:
        return self.manifest.counts.chunks

    @property
    def article_count(self) -> int:
        return self.manifest.counts.indexed_articles

    # --- loading
    def _load_faiss(self) -> Any:
        vectors_path = self.directory / VECTORS_NAME
        try:
            if self.manifest.faiss_type == "flat":
                # Memory-mapped: the workers serving one generation share its pages.
                vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
                if vectors.ndim != 2 or vectors.shape[1] != self.manifest.dimension:
                    raise IndexCorruptError(f"{vectors_path} has shape {vectors.shape}")
                if vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
                    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
                return ExactFlatIndex(vectors)
            index = _faiss.read_index(str(self.directory / FAISS_NAME))
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexCorruptError(f"{self.directory}: cannot read vectors: {exc}") from exc
        if self.manifest.faiss_type in ("hnsw", "hnsw_sq8"):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        elif self.manifest.faiss_type == "ivf":
            index.nprobe = max(8, index.nlist // 16)
        return index

    def _check_counts(self) -> None:
        try:
            rows = self._query("SELECT count(*) FROM chunks")[0][0]
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"{self.directory / SQLITE_NAME}: {exc}") from exc
        counts = self.manifest.counts
        if not (self._index.ntotal == rows == counts.chunks == counts.vectors):
            raise IndexCorruptError(
                f"{self.directory}: inconsistent counts (faiss {self._index.ntotal}, chunk rows "
                f"{rows}, manifest {counts.chunks})"
            )

    def _load_refs(self) -> list[ChunkRef]:
        rows = self._query(
            "SELECT position, id, article_id, source, published_at FROM chunks ORDER BY position"
        )
        refs = [ChunkRef(row[0], row[1], row[2], row[3], _date(row[4])) for row in rows]
        if any(ref.position != i for i, ref in enumerate(refs)):
            raise IndexCorruptError(f"{self.directory}: chunk positions are not 0..{len(refs) - 1}")
        return refs

    def _connect(self) -> sqlite3.Connection:
        uri = (self.directory / SQLITE_NAME).resolve().as_uri() + "?mode=ro&immutable=1"
        try:
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            db.execute("SELECT 1 FROM chunks LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"{self.directory / SQLITE_NAME}: {exc}") from exc
        return db

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Run one read on a pooled connection (any thread); all rows."""
        if self._closed:
            raise RuntimeError(f"store {self.version} is closed")
        db = self._pool.get()
        try:
            return db.execute(sql, params).fetchall()
        finally:
            self._pool.put(db)

    def close(self) -> None:
        """Release the files; searches after this raise RuntimeError."""
        if self._closed:
            return
        self._closed = True
        for db in self._connections:
            db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- searching
    def dense_search(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        """Top k chunks by inner product; filters select exactly (never post-filtered away)."""
        return self._with_chunks(self.dense_refs(query_vector, k, filters))

    def dense_refs(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dimension:
            raise ValueError(f"query has dimension {query.shape[1]}, index has {self.dimension}")
        k = min(k, self._index.ntotal)
        if k <= 0:
            return []
        # One query gains nothing from OpenMP threads and loses much to their spinning on a
        # busy machine (32 ms vs 4 ms over 12k vectors); concurrency comes from requests.
        # The setting is per calling thread.
        _faiss.omp_set_num_threads(1)
        if filters is None or filters.is_empty:
            scores, labels = self._index.search(query, k)
        else:
            allowed = self._allowed_positions(filters)
            if len(allowed) == 0:
                return []
            scores, labels = self._filtered_search(query, min(k, len(allowed)), allowed)
        refs = self._refs
        return [
            ScoredRef(refs[int(p)], float(s))
            for p, s in zip(labels[0], scores[0], strict=True)
            if p >= 0
        ]

    def _filtered_search(
        self, query: FloatMatrix, k: int, allowed: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        kind = self.manifest.faiss_type
        if kind == "flat":
            found: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]] = self._index.search(
                query, k, allowed
            )
            return found
        selector = _faiss.IDSelectorBatch(allowed)
        if kind in ("hnsw", "hnsw_sq8"):
            params = _faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, 4 * k))
        else:
            params = _faiss.SearchParametersIVF(sel=selector, nprobe=self._index.nlist)
        scores, labels = self._index.search(query, k, params=params)
        if int((labels[0] >= 0).sum()) >= k:
            return scores, labels
        # A selective filter can starve a graph walk; the matching subset is small, so go exact.
        vectors = self._index.reconstruct_batch(allowed)
        exact = vectors @ query[0]
        order = np.argsort(-exact)[:k]
        return exact[order][None, :].astype(np.float32), allowed[order][None, :]

    def _allowed_positions(self, filters: SearchFilters) -> npt.NDArray[np.int64]:
        return self._filter.positions(filters)

    def keyword_search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        """Top k chunks by bm25 over title (weighted up) and text; score = -bm25.

        Unfiltered, on a large index, terms found in more than COMMON_TERM_SHARE of the chunks
        are left out while rarer ones remain: they add little to bm25 but most of the posting
        lists FTS5 must score. Under a filter every term stays (a globally common word may be
        the one that matches inside the filtered subset). With the postings in memory
        (`load_keyword_postings`) the same scores come from numpy instead of FTS5.
        """
        return self._with_chunks(self.keyword_refs(query, k, filters))

    def keyword_refs(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        unfiltered = filters is None or filters.is_empty
        terms = keyword_terms(query)
        if not terms or k <= 0:
            return []
        if self._postings is not None:
            tokens = self._postings.tokens(terms)
            if tokens is not None:
                found = self._keyword_search_in_memory(self._postings, tokens, k, filters)
                return [ScoredRef(self._refs[p], score) for p, score in found]
        expression = keyword_match_expression(self._selective_terms(terms) if unfiltered else terms)
        if expression is None:
            return []
        if filters is None or filters.is_empty:
            rows = self._query(
                "SELECT rowid, bm25(chunks_fts, ?, 1.0) AS rank FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
                [TITLE_WEIGHT, expression, k],
            )
        else:
            # Filters must apply before the limit, or a selective one would empty the result.
            where, params = _filter_sql(filters)
            rows = self._query(
                "SELECT c.position, bm25(chunks_fts, ?, 1.0) AS rank "
                "FROM chunks_fts JOIN chunks c ON c.position = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ? AND {where} ORDER BY rank LIMIT ?",
                [TITLE_WEIGHT, expression, *params, k],
            )
        return [ScoredRef(self._refs[position], -float(rank)) for position, rank in rows]

    def _keyword_search_in_memory(
        self, postings: Bm25Postings, tokens: list[str], k: int, filters: SearchFilters | None
    ) -> list[tuple[int, float]]:
        if filters is None or filters.is_empty:
            rare = _selective(tokens, len(postings), postings.document_frequency)
            return postings.search(rare, k)
        allowed = self._allowed_positions(filters)
        return postings.search(tokens, k, allowed) if len(allowed) else []

    def _with_chunks(self, hits: list[ScoredRef]) -> list[ScoredChunk]:
        chunks = self.chunks_at([hit.ref for hit in hits])
        return [ScoredChunk(chunk, hit.score) for chunk, hit in zip(chunks, hits, strict=True)]

    def load_keyword_postings(self) -> bool:
        """Holds the keyword postings in memory, so keyword_search skips FTS5 (~0.8 s, ~15 MB
        for 12k chunks); True where loaded. Where they cannot be read, term counts are warmed
        instead and FTS5 keeps answering."""
        if self._postings is not None:
            return True
        if self.chunk_count > MAX_CHUNKS_FOR_MEMORY_POSTINGS:
            log.info(
                "%s: %d chunks; keyword postings stay in FTS5", self.directory, self.chunk_count
            )
            self.warm_term_counts()
            return False
        db = self._pool.get()
        try:
            # The generation's own tokenizer (older ones may differ); FTS5's default otherwise.
            (schema,) = db.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'"
            ).fetchone()
            option = _TOKENIZE_OPTION.search(str(schema))
            tokenize = option.group(1).replace("''", "'") if option else "unicode61"
            self._postings = Bm25Postings.from_fts5(db, "chunks_fts", tokenize, (TITLE_WEIGHT, 1.0))
        except (sqlite3.Error, ValueError) as exc:
            log.warning("%s: keyword postings not loaded (%s); FTS5 answers", self.directory, exc)
            self.warm_term_counts()
            return False
        finally:
            self._pool.put(db)
        return True

    def warm_term_counts(self, words: int = WARM_TERM_WORDS) -> None:
        """Counts the most frequent words of (a sample of) the chunks ahead of queries.

        Common words are the ones whose counts are expensive (long posting lists) and the
        ones every query meets; counting them at load keeps that cost off the first requests.
        """
        if self.chunk_count < MIN_CHUNKS_TO_PRUNE:
            return
        step = max(1, self.chunk_count // WARM_TERM_SAMPLE)
        rows = self._query("SELECT text FROM chunks WHERE position % ? = 0", (step,))
        frequency = Counter(term for (text,) in rows for term in keyword_terms(text))
        for term, _ in frequency.most_common(words):
            self._chunks_holding(term)

    def _selective_terms(self, terms: list[str]) -> list[str]:
        return _selective(terms, self.chunk_count, self._chunks_holding)

    def _chunks_holding(self, term: str) -> int:
        """How many chunks hold `term` (FTS5's own tokenisation), cached per generation."""
        count = self._term_counts.get(term)
        if count is not None:
            return count
        (row,) = self._query(
            "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
            (keyword_match_expression([term]),),
        )
        self._term_counts.put(term, int(row[0]))
        return int(row[0])

    # --- lookups
    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        found: dict[str, Chunk] = {}
        ids = list(dict.fromkeys(chunk_ids))
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self._query(
                f"SELECT {self._columns} FROM chunks c WHERE c.id IN ({marks})", batch
            ):
                found[row[0]] = _chunk(row)
        return [found[i] for i in chunk_ids if i in found]

    def chunks_at(self, refs: Sequence[ChunkRef]) -> list[Chunk]:
        chunks = self._chunks_by_position([ref.position for ref in refs])
        return [chunks[ref.position] for ref in refs]

    def _chunks_by_position(self, positions: Sequence[int]) -> dict[int, Chunk]:
        if not positions:
            return {}
        marks = ",".join("?" * len(positions))
        rows = self._query(
            f"SELECT c.position, {_CHUNK_COLUMNS_WITHOUT_ANALYSIS} FROM chunks c "
            f"WHERE c.position IN ({marks})",
            list(positions),
        )
        return {row[0]: _chunk(row[1:]) for row in rows}

    def get_article(self, article_id: str) -> Article | None:
        rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return _article(rows[0]) if rows else None

    def canonical_id(self, article_id: str) -> str | None:
        rows = self._query(
            "SELECT coalesce(canonical_id, id) FROM articles WHERE id = ?", (article_id,)
        )
        return str(rows[0][0]) if rows else None

    def sources(self) -> list[str]:
        if self._sources is None:
            rows = self._query(
                "SELECT DISTINCT source FROM articles"
                " WHERE canonical_id IS NULL AND source IS NOT NULL ORDER BY source"
            )
            self._sources = [str(row[0]) for row in rows]
        return list(self._sources)

    def alternative_sources(self, article_id: str) -> list[Article]:
        canonical = self.canonical_id(article_id)
        if canonical is None:
            return []
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE canonical_id = ? AND id != ? "
            "ORDER BY id",
            (canonical, article_id),
        )
        return [_article(row) for row in rows]

    # --- bulk reads for the pipeline (building the next generation from this one)
    def article_records(self) -> Iterator[ArticleRecord]:
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS}, text_hash, signature, canonical_id, dup_kind, "
            "similarity FROM articles ORDER BY rowid"
        )
        for row in rows:
            yield ArticleRecord(_article(row[:9]), row[11], row[12], row[13], row[9], row[10])

    def chunks_by_article(self) -> dict[str, list[tuple[int, Chunk]]]:
        """article id -> [(vector position, chunk)] in ordinal order."""
        out: dict[str, list[tuple[int, Chunk]]] = {}
        rows = self._query(
            f"SELECT c.position, {self._columns} FROM chunks c ORDER BY c.article_id, c.ordinal"
        )
        for row in rows:
            out.setdefault(row[2], []).append((row[0], _chunk(row[1:])))
        return out

    def positions_by_text(self) -> dict[str, int]:
        """sha256 of a chunk text -> a vector position holding its embedding."""
        out: dict[str, int] = {}
        for digest, position in self._query("SELECT text_sha256, position FROM chunks"):
            out.setdefault(digest, position)
        return out

    def vectors(self) -> FloatMatrix:
        """All vectors, (n, dim) float32, row i at position i."""
        return np.load(self.directory / VECTORS_NAME, allow_pickle=False)  # type: ignore[no-any-return]


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


def _chunk(row: Sequence[Any]) -> Chunk:
    return Chunk(
        id=row[0], article_id=row[1], ordinal=row[2], text=row[3], start=row[4], end=row[5],
        token_count=row[6], title=row[7], source=row[8], url=row[9], published_at=_date(row[10]),
        analysis=row[11],
    )  # fmt: skip


def _article(row: Sequence[Any]) -> Article:
    return Article(
        id=row[0], text=row[1], title=row[2], source=row[3], url=row[4],
        published_at=_date(row[5]), author=row[6], partial=bool(row[7]), origin=row[8],
    )  # fmt: skip
