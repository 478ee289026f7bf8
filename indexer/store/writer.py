"""Write one generation afresh: the SQLite file, its keyword index, the vectors.

A full write (a build) inserts every row in input order; an add or delete copies the previous
generation and applies only the change instead (`delta.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.hashing import text_sha256
from indexer.protocols import FloatMatrix
from indexer.store.schema import (
    ANALYSIS_INSERT,
    ARTICLE_INSERT,
    CHUNK_INSERT,
    SCHEMA,
    SQLITE_NAME,
    ArticleRecord,
    article_row,
    chunk_row,
)
from indexer.store.vectors import check_vectors, write_vectors
from indexer.types import Chunk


class StoreWriter:
    """Writes one generation's SQLite file, vectors and FAISS index into an empty directory."""

    def __init__(self, directory: Path, dimension: int) -> None:
        self.directory = directory
        self.dimension = dimension
        self._db = sqlite3.connect(directory / SQLITE_NAME)
        # No journal: a half-written file is thrown away with its temp dir, never repaired.
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        self._vectors: list[FloatMatrix] = []
        self._positions = 0

    @property
    def chunk_count(self) -> int:
        return self._positions

    def add_article(self, record: ArticleRecord) -> None:
        self._db.execute(ARTICLE_INSERT, article_row(record))

    def add_chunks(self, chunks: Sequence[Chunk], vectors: FloatMatrix) -> None:
        """Append chunks with their (n, dim) vectors; row i gets the next vector position."""
        check_vectors(len(chunks), vectors, self.dimension)
        if not chunks:
            return
        rows = [chunk_row(self._positions + i, c) for i, c in enumerate(chunks)]
        self._db.executemany(CHUNK_INSERT, rows)
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
        """(chunk text sha256, indexer.text.analysis.encode output) pairs."""
        self._db.executemany(ANALYSIS_INSERT, pairs)

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
        return write_vectors(self.directory, vectors, faiss_type)


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
