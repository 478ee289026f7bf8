"""Write the next generation as a copy of the previous one plus a delta.

An add or delete of a few articles on a large index should cost about as much as embedding the
changed text, so instead of re-inserting every row and rebuilding the keyword index, the
previous generation's SQLite file is copied into the temp dir and only the changed articles'
rows, chunks and FTS5 entries are deleted and inserted there, in one transaction.

Vector positions must stay dense (row i of vectors.npy is FAISS label i = chunks.position), so
the holes that deleted chunks leave are filled by the survivors at the tail, then by the new
chunks; everything else keeps its position.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.protocols import FloatMatrix
from indexer.store.schema import (
    ANALYSIS_INSERT,
    ARTICLE_INSERT,
    CHUNK_INSERT,
    SQLITE_NAME,
    VECTORS_NAME,
    ArticleRecord,
    article_row,
    chunk_row,
)
from indexer.store.vectors import check_vectors, read_vectors, write_vectors
from indexer.store.writer import missing_analyses
from indexer.types import Chunk

_FTS_DELETE = "INSERT INTO chunks_fts(chunks_fts, rowid, title, text) VALUES('delete', ?, ?, ?)"
_FTS_INSERT = "INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)"
_ARTICLE_UPDATE = (
    "UPDATE articles SET title=?, source=?, url=?, published_at=?, author=?, text=?, partial=?, "
    "origin=?, content_hash=?, text_hash=?, signature=?, canonical_id=?, dup_kind=?, "
    "similarity=? WHERE id=?"
)


class DeltaWriter:
    """Copies generation `previous` into the empty `directory`, then applies changes to it."""

    def __init__(self, directory: Path, previous: Path, dimension: int) -> None:
        self.directory = directory
        self.dimension = dimension
        shutil.copyfile(previous / SQLITE_NAME, directory / SQLITE_NAME)
        self._old_vectors = read_vectors(previous)
        if self._old_vectors.ndim != 2 or self._old_vectors.shape[1] != dimension:
            raise ValueError(f"{previous / VECTORS_NAME} has shape {self._old_vectors.shape}")
        self._db = sqlite3.connect(directory / SQLITE_NAME, isolation_level=None)
        # No journal: a half-written file is thrown away with its temp dir, never repaired.
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;"
            # Generations written before sentence analysis existed lack the table.
            "CREATE TABLE IF NOT EXISTS chunk_analysis ("
            " text_sha256 TEXT PRIMARY KEY, analysis TEXT NOT NULL) WITHOUT ROWID;"
        )
        self._freed: set[int] = set()
        self._new_chunks: list[Chunk] = []
        self._new_vectors: list[FloatMatrix] = []

    @property
    def chunk_count(self) -> int:
        """Chunks the finished generation will hold."""
        return len(self._old_vectors) - len(self._freed) + len(self._new_chunks)

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM articles WHERE id = ?", ((i,) for i in article_ids))

    def update_article(self, record: ArticleRecord) -> None:
        """Rewrite an existing row in place (its rowid, hence its order, is kept)."""
        row = article_row(record)
        self._db.execute(_ARTICLE_UPDATE, (*row[1:], row[0]))

    def insert_article(self, record: ArticleRecord) -> None:
        self._db.execute(ARTICLE_INSERT, article_row(record))

    def delete_chunks_of(self, article_ids: Iterable[str]) -> None:
        """Drop these articles' chunks, their FTS5 entries and (at finish) their vectors."""
        for article_id in article_ids:
            rows = self._db.execute(
                "SELECT position, coalesce(title, ''), text FROM chunks WHERE article_id = ?",
                (article_id,),
            ).fetchall()
            if not rows:
                continue
            self._db.executemany(_FTS_DELETE, rows)
            self._db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            self._freed.update(row[0] for row in rows)

    def add_chunks(self, chunks: Sequence[Chunk], vectors: FloatMatrix) -> None:
        check_vectors(len(chunks), vectors, self.dimension)
        self._new_chunks.extend(chunks)
        self._new_vectors.append(np.ascontiguousarray(vectors, dtype=np.float32))

    def drop_analyses(self) -> None:
        """Forget the copied analyses (made by another analyzer, or none is wanted now)."""
        self._db.execute("DELETE FROM chunk_analysis")

    def texts_without_analysis(self, *, kept_complete: bool = False) -> list[tuple[str, str]]:
        """(sha256, text) of each distinct chunk text, kept or added, with no analysis yet.

        `kept_complete`: the copied generation's chunks are all analysed; only added ones
        are looked at.
        """
        return missing_analyses(self._db, self._new_chunks, scan_stored=not kept_complete)

    def add_analyses(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(ANALYSIS_INSERT, pairs)

    def finish(self, faiss_type: str) -> str:
        """Fill holes, insert new chunks, write every file; returns the FAISS type built."""
        old = self._old_vectors
        before, after = len(old), self.chunk_count
        targets = sorted([p for p in self._freed if p < after] + list(range(before, after)))
        movers = [p for p in range(after, before) if p not in self._freed]
        vectors = np.empty((after, self.dimension), dtype=np.float32)
        kept = min(before, after)
        vectors[:kept] = old[:kept]
        for source, target in zip(movers, targets, strict=False):
            self._move_chunk(source, target)
            vectors[target] = old[source]
        slots = targets[len(movers) :]
        if len(slots) != len(self._new_chunks):  # the arithmetic above guarantees equality
            raise AssertionError(f"{len(slots)} free positions for {len(self._new_chunks)} chunks")
        rows = [chunk_row(p, c) for p, c in zip(slots, self._new_chunks, strict=True)]
        self._db.executemany(CHUNK_INSERT, rows)
        self._db.executemany(_FTS_INSERT, ((r[0], r[8] or "", r[4]) for r in rows))
        if self._new_chunks:
            vectors[slots] = np.concatenate(self._new_vectors)
        # Analyses of texts no chunk holds any more (deleted or changed articles).
        self._db.execute(
            "DELETE FROM chunk_analysis WHERE text_sha256 NOT IN (SELECT text_sha256 FROM chunks)"
        )
        self._db.execute("COMMIT")
        self._db.close()
        return write_vectors(self.directory, vectors, faiss_type)

    def _move_chunk(self, source: int, target: int) -> None:
        title, text = self._db.execute(
            "SELECT coalesce(title, ''), text FROM chunks WHERE position = ?", (source,)
        ).fetchone()
        self._db.execute(_FTS_DELETE, (source, title, text))
        self._db.execute("UPDATE chunks SET position = ? WHERE position = ?", (target, source))
        self._db.execute(_FTS_INSERT, (target, title, text))
