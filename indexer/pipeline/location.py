"""Where an index lives: the one seam between a store and the pipeline or the engine.

The pipeline plans the next generation the same way for every store (read, de-duplicate,
decide what changed) and hands the plan to the location to write and publish; the engine asks
the location which generation is live and opens it. Two locations exist: a directory of FAISS +
SQLite generations (`FaissLocation`, the default) and a Milvus deployment
(`indexer.store.milvus.location.MilvusLocation`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from indexer.protocols import IndexReader
from indexer.store.manifest import Manifest

if TYPE_CHECKING:
    from indexer.pipeline.write import WriteJob, Written
    from indexer.store.reader import Store
    from indexer.store.schema import ArticleRecord


class LiveGeneration(Protocol):
    """What the pipeline reads of the generation it builds the next one on."""

    @property
    def manifest(self) -> Manifest: ...

    @property
    def version(self) -> str: ...

    def article_records(self) -> Iterator[ArticleRecord]: ...

    def close(self) -> None: ...


LiveT = TypeVar("LiveT", bound=LiveGeneration)


class IndexLocation(Protocol[LiveT]):
    """A place generations are written to, published in and served from."""

    def describe(self) -> str:
        """For messages and `index status`: the directory, or the Milvus URI and alias."""
        ...

    def current_version(self) -> str | None:
        """The live generation's name, None before the first; cheap (hot reload polls it)."""
        ...

    def open_for_serving(
        self, *, expected_model: str | None = None, expected_dimension: int | None = None
    ) -> IndexReader:
        """The live generation, ready for queries (NoIndexError, IndexMismatchError, ...)."""
        ...

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held by the one writer; leftovers of a killed writer are cleaned on entry."""
        ...

    def open_live(self) -> LiveT:
        """The live generation, for building the next (NoIndexError before the first)."""
        ...

    def write_generation(self, job: WriteJob, previous: LiveT | None) -> Written:
        """Writes the planned records as the next generation and publishes it atomically."""
        ...

    def disk_bytes(self) -> int | None:
        """Bytes the live generation takes on this machine's disk; None where not known here."""
        ...

    def close(self) -> None: ...


class FaissLocation:
    """A directory of FAISS + SQLite generations (`indexer.store.generations` for the layout)."""

    def __init__(self, index_dir: Path | str) -> None:
        self.index_dir = Path(index_dir)

    def describe(self) -> str:
        return str(self.index_dir)

    def current_version(self) -> str | None:
        from indexer.store.generations import current_version

        return current_version(self.index_dir)

    def open_for_serving(
        self, *, expected_model: str | None = None, expected_dimension: int | None = None
    ) -> Store:
        from indexer.store.reader import open_index

        return open_index(
            self.index_dir, expected_model=expected_model, expected_dimension=expected_dimension
        )

    def writer_lock(self) -> AbstractContextManager[None]:
        from indexer.store.generations import writer_lock

        return writer_lock(self.index_dir)

    def open_live(self) -> Store:
        from indexer.store.reader import open_index

        return open_index(self.index_dir)

    def write_generation(self, job: WriteJob, previous: Store | None) -> Written:
        from indexer.pipeline.write import write_generation

        return write_generation(self.index_dir, job, previous)

    def disk_bytes(self) -> int | None:
        from indexer.store.generations import disk_size

        return disk_size(self.index_dir)

    def close(self) -> None:
        """Nothing held between calls."""


def as_location(index: Path | str | IndexLocation[Any]) -> IndexLocation[Any]:
    """A location for what callers pass: an index directory means the FAISS store there."""
    if isinstance(index, Path | str):
        return FaissLocation(index)
    return index
