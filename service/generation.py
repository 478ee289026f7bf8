"""One opened index generation as the engine serves it: closed after its last lease ends."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from indexer.protocols import IndexReader
from service.types import Retriever

log = logging.getLogger(__name__)


class ServedGeneration:
    """One opened index generation and its retriever, closed after its last lease ends."""

    def __init__(self, index: IndexReader, retriever: Retriever) -> None:
        self.index = index
        self.retriever = retriever
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
