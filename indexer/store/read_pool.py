"""A fixed pool of read-only connections to one generation's SQLite file, for any thread.

Opened up front, not per thread later: open descriptors keep the file readable even after a
writer garbage-collects the generation.
"""

from __future__ import annotations

import queue
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from indexer.errors import IndexCorruptError


class ReadPool:
    """`size` connections to the SQLite file at `path`; `name` is what errors call it."""

    def __init__(self, path: Path, size: int, name: str) -> None:
        self._name = name
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._connections = [_connect(path) for _ in range(size)]
        for db in self._connections:
            self._idle.put(db)
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool, held for the block."""
        if self._closed:
            raise RuntimeError(f"store {self._name} is closed")
        db = self._idle.get()
        try:
            yield db
        finally:
            self._idle.put(db)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Run one read on a pooled connection; all rows."""
        with self.connection() as db:
            return db.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close every connection; reads after this raise RuntimeError."""
        if self._closed:
            return
        self._closed = True
        for db in self._connections:
            db.close()


def _connect(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        db.execute("SELECT 1 FROM chunks LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise IndexCorruptError(f"{path}: {exc}") from exc
    return db
