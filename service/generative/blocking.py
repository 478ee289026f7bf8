"""The Answerer for synchronous callers (`newsqa ask`, `newsqa eval run`): one event loop of its
own, kept open between questions so the LLM client's connections are reused."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import date
from types import TracebackType

from indexer.protocols import IndexReader
from indexer.types import SearchFilters
from service.config import Settings
from service.engine import QAEngine
from service.generative.wiring import open_answerer
from service.types import AnswerMode, AskResult, RetrievalMode, SearchResult


class BlockingAnswerer:
    """Search and answers in every mode; `engine` must be warmed up. Closes the engine too."""

    def __init__(self, engine: QAEngine, settings: Settings) -> None:
        self.engine = engine
        self._runner = asyncio.Runner()
        self._stack = AsyncExitStack()
        try:
            self._answerer = self._runner.run(
                self._stack.enter_async_context(open_answerer(settings, engine))
            )
        except BaseException:
            self._runner.close()
            engine.close()
            raise

    @property
    def index(self) -> IndexReader | None:
        return self.engine.index

    def search(
        self,
        query: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode = "hybrid",
        as_of: date | None = None,
    ) -> SearchResult:
        return self.engine.search(query, top_k, filters, mode=mode, as_of=as_of)

    def ask(
        self,
        question: str,
        *,
        mode: AnswerMode = "auto",
        top_k: int = 10,
        filters: SearchFilters | None = None,
        as_of: date | None = None,
    ) -> AskResult:
        return self._runner.run(
            self._answerer.ask(question, mode=mode, top_k=top_k, filters=filters, as_of=as_of)
        )

    def close(self) -> None:
        try:
            self._runner.run(self._stack.aclose())
        finally:
            self._runner.close()
            self.engine.close()

    def __enter__(self) -> BlockingAnswerer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
