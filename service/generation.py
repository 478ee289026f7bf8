"""One opened index generation as the engine serves it: closed after its last lease ends."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from indexer.protocols import IndexReader
from service.types import RetrievalHit, Retrieved, Retriever

log = logging.getLogger(__name__)


class ServedGeneration:
    """One opened index generation and its retriever, closed after its last lease ends."""

    def __init__(self, index: IndexReader, retriever: Retriever) -> None:
        from service.retrieval.outlets import OutletMatcher

        self.index = index
        self.retriever = retriever
        # Which of this generation's outlets a text names (the reader's yes/no evidence).
        self.outlets = OutletMatcher(index.sources())
        self.newest_published = newest_published(index)
        self.version = index.version
        self._lock = threading.Lock()
        self._leases = 0
        self._retired = False
        self._then: Callable[[], None] | None = None

    def acquire(self) -> None:
        with self._lock:
            self._leases += 1

    def release(self) -> None:
        with self._lock:
            self._leases -= 1
            close = self._retired and self._leases == 0
        if close:
            self._close()

    def retire(self, then: Callable[[], None] | None = None) -> None:
        """Closes the generation after its last lease; `then` runs once it is closed."""
        with self._lock:
            self._retired = True
            self._then = then
            close = self._leases == 0
        if close:
            self._close()

    def _close(self) -> None:
        log.info("closing index generation %s", self.version)
        self.index.close()
        if self._then is not None:
            self._then()

    def with_analysis(self, hits: Sequence[RetrievalHit]) -> list[RetrievalHit]:
        """The hits with their chunks as `get_chunks` returns them: with the stored sentence
        analysis, which search legs leave out (the reader needs it for a few passages only)."""
        chunks = {c.id: c for c in self.index.get_chunks([hit.chunk.id for hit in hits])}
        return [replace(hit, chunk=chunks.get(hit.chunk.id, hit.chunk)) for hit in hits]

    def search_again(self, retrieved: Retrieved, text: str) -> list[RetrievalHit]:
        """`text` searched as `retrieved` was: as many hits, its filters, its as_of."""
        top_k = max(1, len(retrieved.hits))
        return self.retriever.search(text, top_k, retrieved.filters, as_of=retrieved.as_of)


def newest_published(index: IndexReader) -> date | None:
    """The newest article's date in `index` (None where none is dated): an as_of before it
    goes back in time (service/reading/timing.py)."""
    dates = [o.newest_published_at for o in index.outlet_summaries() if o.newest_published_at]
    return max(dates, default=None)
