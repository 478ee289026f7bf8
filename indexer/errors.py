"""Domain errors of the indexer; they know nothing of HTTP or exit codes."""


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


class IndexStoreError(IndexError_):
    """The index's store (a Milvus server, say) could not be reached or failed a request."""
