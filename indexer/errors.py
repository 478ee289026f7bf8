"""Domain errors of the indexer; they know nothing of HTTP or exit codes."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.types import IngestProblem


class IndexError_(Exception):
    """Base class for index problems (named with a trailing underscore to not shadow IndexError)."""


class NoIndexError(IndexError_):
    """No generation has been published in the index directory yet."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model or dimension than the one asked for."""


class IndexCorruptError(IndexError_):
    """An index file failed its checksum or could not be read."""


class IndexLockedError(IndexError_):
    """Another writer holds the index lock."""


class IngestError(Exception):
    """An input could not be read at all (e.g. a path that does not exist)."""


class StrictIngestError(IngestError):
    """--strict: some inputs had problems, so nothing was published."""

    def __init__(self, problems: Sequence[IngestProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(
            f"{len(self.problems)} input problem(s) with --strict, nothing published: {shown}{more}"
        )


class IndexStoreError(IndexError_):
    """The index's store (a Milvus server, say) could not be reached or failed a request."""
