"""One published generation opened for reading: `open_index` and the `Store` it returns.

A Store composes the parts of a generation: a pool of read-only SQLite connections
(`read_pool.py`), the vectors (`vectors.py`), the keyword index (`keyword.py`) and every chunk's
reference (id, article, outlet, date) held in memory by position, over which filters are tested
(`chunk_filter.py`). The search legs rank with references; texts are read only for the chunks a
caller asks for (`chunks_at`), i.e. those that survive fusion.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexer.errors import IndexCorruptError, IndexMismatchError
from indexer.protocols import FloatMatrix
from indexer.store.chunk_filter import ChunkFilter
from indexer.store.generations import current_generation_dir
from indexer.store.keyword import WARM_TERM_WORDS, KeywordIndex
from indexer.store.manifest import (
    MANIFEST_NAME,
    Manifest,
    ManifestFacts,
    read_manifest,
    verify_checksums,
)
from indexer.store.read_pool import ReadPool
from indexer.store.schema import (
    ARTICLE_COLUMNS,
    CHUNK_COLUMNS,
    CHUNK_COLUMNS_WITHOUT_ANALYSIS,
    FAISS_NAME,
    RECORD_COLUMNS,
    REF_COLUMNS,
    SQLITE_NAME,
    VECTORS_NAME,
    ArticleRecord,
    article_from_row,
    chunk_from_row,
    parse_date,
    record_from_row,
    ref_from_row,
)
from indexer.store.vectors import VectorIndex, read_vectors
from indexer.types import Article, Chunk, ChunkRef, OutletSummary, ScoredRef, SearchFilters

SQLITE_POOL_SIZE = 4  # concurrent SQLite reads per opened generation


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
        # A manifest that leaves a file out would let that file go unchecked into FAISS.
        needed = {SQLITE_NAME, VECTORS_NAME} | (
            {FAISS_NAME} if manifest.faiss_type != "flat" else set()
        )
        if missing := sorted(needed - manifest.checksums.keys()):
            raise IndexCorruptError(
                f"{gen_dir / MANIFEST_NAME} lists no checksum for {', '.join(missing)}"
            )
        verify_checksums(gen_dir, manifest)
    return Store(gen_dir, manifest)


class Store(ManifestFacts):
    """An opened, immutable generation (implements IndexReader); safe for concurrent reads."""

    def __init__(self, gen_dir: Path, manifest: Manifest) -> None:
        self.directory = gen_dir
        self.manifest = manifest
        self._pool = ReadPool(gen_dir / SQLITE_NAME, SQLITE_POOL_SIZE, manifest.version)
        self._sources: list[str] | None = None  # distinct outlets, read on first use
        self._outlet_summaries: list[OutletSummary] | None = None  # likewise
        try:
            analysed = self._query("SELECT 1 FROM sqlite_master WHERE name = 'chunk_analysis'")
            self._columns = CHUNK_COLUMNS if analysed else CHUNK_COLUMNS_WITHOUT_ANALYSIS
            self._dense = VectorIndex.open(gen_dir, manifest.faiss_type, manifest.dimension)
            self._check_counts()
            # Every chunk's id, article, outlet and date by position (~2 MB for 12k chunks):
            # the search legs rank with these and read texts only for what survives fusion.
            self._refs = self._load_refs()
            self._filter = ChunkFilter(self._refs)
            self._keyword = KeywordIndex(self._pool, self.chunk_count, self._filter, str(gen_dir))
        except BaseException:
            # A refused generation keeps no file open: a server retries one every minute.
            self.close()
            raise

    # --- loading
    def _check_counts(self) -> None:
        try:
            rows = self._query("SELECT count(*) FROM chunks")[0][0]
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"{self.directory / SQLITE_NAME}: {exc}") from exc
        counts = self.manifest.counts
        if not (self._dense.ntotal == rows == counts.chunks == counts.vectors):
            raise IndexCorruptError(
                f"{self.directory}: inconsistent counts (faiss {self._dense.ntotal}, chunk rows "
                f"{rows}, manifest {counts.chunks})"
            )

    def _load_refs(self) -> list[ChunkRef]:
        rows = self._query(f"SELECT {REF_COLUMNS} FROM chunks ORDER BY position")
        refs = [ref_from_row(row) for row in rows]
        if any(ref.position != i for i, ref in enumerate(refs)):
            raise IndexCorruptError(f"{self.directory}: chunk positions are not 0..{len(refs) - 1}")
        return refs

    def prepare_for_queries(self) -> None:
        """Loads the keyword postings into memory (or warms FTS5's term counts); idempotent."""
        self.load_keyword_postings()

    def load_keyword_postings(self) -> bool:
        """Holds the keyword postings in memory, so keyword queries skip FTS5 (~0.8 s, ~15 MB
        for 12k chunks); True where loaded, False where FTS5 keeps answering."""
        return self._keyword.load_postings()

    def warm_term_counts(self, words: int = WARM_TERM_WORDS) -> None:
        """Counts the most frequent words' chunks ahead of FTS5 queries (`keyword.py`)."""
        self._keyword.warm_term_counts(words)

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Run one read on a pooled connection (any thread); all rows."""
        return self._pool.query(sql, params)

    def close(self) -> None:
        """Release the files; searches after this raise RuntimeError."""
        self._pool.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- searching
    def dense_refs(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        """Top k by inner product; filters select exactly (never post-filtered away)."""
        allowed = None if filters is None or filters.is_empty else self._filter.positions(filters)
        found = self._dense.search(query_vector, k, allowed)
        return [ScoredRef(self._refs[position], score) for position, score in found]

    def keyword_refs(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        """Top k by bm25 over title (weighted up) and text; score = -bm25 (`keyword.py`)."""
        found = self._keyword.search(query, k, filters)
        return [ScoredRef(self._refs[position], score) for position, score in found]

    # --- lookups
    def chunks_at(self, refs: Sequence[ChunkRef]) -> list[Chunk]:
        chunks = self._chunks_by_position([ref.position for ref in refs])
        return [chunks[ref.position] for ref in refs]

    def _chunks_by_position(self, positions: Sequence[int]) -> dict[int, Chunk]:
        if not positions:
            return {}
        marks = ",".join("?" * len(positions))
        rows = self._query(
            f"SELECT c.position, {CHUNK_COLUMNS_WITHOUT_ANALYSIS} FROM chunks c "
            f"WHERE c.position IN ({marks})",
            list(positions),
        )
        return {row[0]: chunk_from_row(row[1:]) for row in rows}

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        found: dict[str, Chunk] = {}
        ids = list(dict.fromkeys(chunk_ids))
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self._query(
                f"SELECT {self._columns} FROM chunks c WHERE c.id IN ({marks})", batch
            ):
                found[row[0]] = chunk_from_row(row)
        return [found[i] for i in chunk_ids if i in found]

    def get_article(self, article_id: str) -> Article | None:
        rows = self._query(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return article_from_row(rows[0]) if rows else None

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

    def outlet_summaries(self) -> list[OutletSummary]:
        if self._outlet_summaries is None:
            rows = self._query(
                "SELECT source, count(*), max(published_at), min(published_at) FROM articles"
                " WHERE canonical_id IS NULL GROUP BY source ORDER BY source IS NULL, source"
            )
            self._outlet_summaries = [
                OutletSummary(row[0], row[1], parse_date(row[2]), parse_date(row[3]))
                for row in rows
            ]
        return list(self._outlet_summaries)

    def alternative_sources(self, article_id: str) -> list[Article]:
        canonical = self.canonical_id(article_id)
        if canonical is None:
            return []
        rows = self._query(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE canonical_id = ? AND id != ? "
            "ORDER BY id",
            (canonical, article_id),
        )
        return [article_from_row(row) for row in rows]

    # --- bulk reads for the pipeline (building the next generation from this one)
    def article_records(self) -> Iterator[ArticleRecord]:
        rows = self._query(f"SELECT {RECORD_COLUMNS} FROM articles ORDER BY rowid")
        for row in rows:
            yield record_from_row(row)

    def chunks_by_article(self) -> dict[str, list[tuple[int, Chunk]]]:
        """article id -> [(vector position, chunk)] in ordinal order."""
        out: dict[str, list[tuple[int, Chunk]]] = {}
        rows = self._query(
            f"SELECT c.position, {self._columns} FROM chunks c ORDER BY c.article_id, c.ordinal"
        )
        for row in rows:
            out.setdefault(row[2], []).append((row[0], chunk_from_row(row[1:])))
        return out

    def positions_by_text(self) -> dict[str, int]:
        """sha256 of a chunk text -> a vector position holding its embedding."""
        out: dict[str, int] = {}
        for digest, position in self._query("SELECT text_sha256, position FROM chunks"):
            out.setdefault(digest, position)
        return out

    def vectors(self) -> FloatMatrix:
        """All vectors, (n, dim) float32, row i at position i."""
        return read_vectors(self.directory)
