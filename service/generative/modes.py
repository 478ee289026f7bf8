"""The three answer modes, and what each does when the LLM cannot help.

- extractive: the reader's span (service/reading/); never calls the LLM.
- generative: the passages forwarded to the LLM. Without an endpoint, LLMNotConfiguredError (a
  400 naming the setting). When the endpoint fails (timeouts, 5xx, 429, a broken or malformed
  answer, the breaker open), the extractive answer, with `fallback_reason` saying why; when it
  refuses the request itself (400/401/422: its configuration is wrong), UpstreamRejectedError.
- auto: extractive first; where its confidence clears the threshold, that is the answer. Else
  the LLM when one is configured (`fallback_reason` "low_confidence"), else the extractive
  abstention ("llm_not_configured"); an LLM failure of any kind leaves the extractive answer.

The engine's retrieval and reading are blocking and run in worker threads; the LLM call runs on
the event loop, so a slow endpoint holds no thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import Executor
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from indexer.types import SearchFilters
from service.engine import QAEngine
from service.generative.errors import LLMError, LLMNotConfiguredError, UpstreamRejectedError
from service.generative.generator import Generation, Generator
from service.generative.observer import NullObserver, Observer
from service.generative.prompt import Prompt
from service.generative.wire import Message
from service.types import AnswerMode, AskResult, Passage, RetrievalHit, Retrieved

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """A question after retrieval (and, in auto mode, the extractive reading)."""

    question: str
    mode: AnswerMode
    started: float  # perf_counter at arrival
    retrieved: Retrieved  # with the as_of and filters a fallback reading must keep
    extractive: AskResult | None  # read already (auto mode), or None
    prompt: Prompt | None  # None: no LLM call; `extractive` is the answer
    reason: str | None  # fallback_reason of the answer this plan gives when all goes well

    @property
    def hits(self) -> tuple[RetrievalHit, ...]:
        return self.retrieved.hits

    @property
    def index_version(self) -> str:
        return self.retrieved.index_version


@dataclass(frozen=True)
class PassagesEvent:
    passages: list[Passage]
    index_version: str


@dataclass(frozen=True)
class DeltaEvent:
    text: str


@dataclass(frozen=True)
class DoneEvent:
    result: AskResult


@dataclass(frozen=True)
class ErrorEvent:
    code: str
    message: str


AskEvent = PassagesEvent | DeltaEvent | DoneEvent | ErrorEvent


class Answerer:
    """Answers in any mode over `engine`, with `generator` where an LLM is configured."""

    def __init__(
        self,
        engine: QAEngine,
        generator: Generator | None = None,
        *,
        observer: Observer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.engine = engine
        self.generator = generator
        self._observer = observer or NullObserver()
        self._executor = executor  # None: anyio's worker threads

    def on_executor(self, executor: Executor) -> Answerer:
        """This answerer (same engine, LLM and observer) with its blocking work on `executor`:
        a caller that must keep its own threads apart (the Slack bot's, at lower priority)."""
        return Answerer(self.engine, self.generator, observer=self._observer, executor=executor)

    async def ask(
        self,
        question: str,
        *,
        mode: AnswerMode = "auto",
        top_k: int = 10,
        filters: SearchFilters | None = None,
        as_of: date | None = None,
        history: Sequence[Message] = (),
        retrieval_query: str | None = None,
    ) -> AskResult:
        """The answer, whole."""
        plan = await self.prepare(
            question, mode=mode, top_k=top_k, filters=filters, as_of=as_of, history=history,
            retrieval_query=retrieval_query,
        )  # fmt: skip
        return await self.answer(plan)

    async def prepare(
        self,
        question: str,
        *,
        mode: AnswerMode = "auto",
        top_k: int = 10,
        filters: SearchFilters | None = None,
        as_of: date | None = None,
        history: Sequence[Message] = (),
        retrieval_query: str | None = None,
    ) -> Plan:
        """Retrieval (and extractive reading where the mode starts there): the part of a
        question that can fail with an HTTP error, done before any streamed byte."""
        started = time.perf_counter()
        query = retrieval_query or question
        if mode == "generative" and self.generator is None:
            raise LLMNotConfiguredError()
        reads = mode in ("extractive", "auto")
        found, extractive = await self._in_thread(
            self._retrieve, query, top_k=top_k, filters=filters, as_of=as_of, read=reads
        )
        hits = found.hits
        if extractive is not None:
            if mode == "extractive" or not extractive.abstained:
                return Plan(question, mode, started, found, extractive, None, None)
            if self.generator is None:
                self._observer.fell_back("llm_not_configured")
                answer = extractive.model_copy(update={"fallback_reason": "llm_not_configured"})
                return Plan(question, mode, started, found, answer, None, None)
        assert self.generator is not None
        prompt = await self._in_thread(
            self.generator.prompt, question, hits, as_of=as_of or date.today(), history=history
        )
        reason = "low_confidence" if mode == "auto" else None
        return Plan(question, mode, started, found, extractive, prompt, reason)

    async def answer(self, plan: Plan) -> AskResult:
        """The plan's answer, from the LLM where it calls for one."""
        if plan.prompt is None:
            assert plan.extractive is not None
            return _timed(plan.extractive, plan)
        assert self.generator is not None
        try:
            generation = await self.generator.generate(plan.question, plan.prompt)
        except LLMError as exc:
            return await self._fall_back(plan, exc)
        return self._generated(plan, generation)

    async def stream(self, plan: Plan) -> AsyncGenerator[AskEvent, None]:
        """passages, deltas, then done (or error, where the endpoint refused the request)."""
        yield PassagesEvent([Passage.from_hit(hit) for hit in plan.hits], plan.index_version)
        if plan.prompt is None:
            assert plan.extractive is not None
            if plan.extractive.answer:
                yield DeltaEvent(plan.extractive.answer)
            yield DoneEvent(_timed(plan.extractive, plan))
            return
        assert self.generator is not None
        generation: Generation | None = None
        try:
            async with aclosing(self.generator.stream(plan.question, plan.prompt)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, str):
                        yield DeltaEvent(piece)
                    else:
                        generation = piece
        except LLMError as exc:
            try:
                result = await self._fall_back(plan, exc)
            except UpstreamRejectedError as rejected:
                yield ErrorEvent(rejected.reason, str(rejected))
                return
            if result.answer:
                yield DeltaEvent(result.answer)
            yield DoneEvent(result)
            return
        assert generation is not None
        yield DoneEvent(self._generated(plan, generation))

    async def _fall_back(self, plan: Plan, exc: LLMError) -> AskResult:
        """The extractive answer in place of the LLM's, or the error where none may stand in."""
        if isinstance(exc, UpstreamRejectedError):
            log.error("the LLM endpoint refused a request: %s", exc)
            if plan.mode == "generative":
                raise exc
        else:
            log.warning("LLM answer failed (%s): %s; answering extractively", exc.reason, exc)
        self._observer.fell_back(exc.reason)
        extractive = plan.extractive
        if extractive is None:  # read as retrieved: with its as_of and filters
            extractive = await self._in_thread(self.engine.read, plan.question, plan.retrieved)
        return _timed(extractive.model_copy(update={"fallback_reason": exc.reason}), plan)

    def _retrieve(
        self,
        query: str,
        *,
        top_k: int,
        filters: SearchFilters | None,
        as_of: date | None,
        read: bool,
    ) -> tuple[Retrieved, AskResult | None]:
        """The passages, and the extractive answer from them where `read` (one thread trip)."""
        found = self.engine.retrieve(query, top_k, filters, as_of=as_of)
        return found, self.engine.read(query, found) if read else None

    async def _in_thread(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        call = partial(function, *args, **kwargs)
        if self._executor is None:
            return await anyio.to_thread.run_sync(call)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _generated(self, plan: Plan, generation: Generation) -> AskResult:
        reason = generation.failure.reason if generation.failure is not None else plan.reason
        if generation.failure is not None:
            self._observer.fell_back(generation.failure.reason)
        answer, grounding = generation.answer, generation.grounding
        return AskResult(
            answer=answer.text,
            abstained=answer.abstained,
            confidence=answer.confidence,
            mode_used="generative",
            citations=list(answer.citations),
            passages=[Passage.from_hit(hit) for hit in plan.hits],
            index_version=plan.index_version,
            took_ms=_ms_since(plan.started),
            fallback_reason=reason,
            usage=generation.usage,
            grounded=grounding.grounded,
            unsupported_sentences=list(grounding.unsupported_sentences),
            dropped_markers=list(grounding.dropped_markers),
            partial=grounding.partial,
        )


def _timed(result: AskResult, plan: Plan) -> AskResult:
    return result.model_copy(update={"took_ms": _ms_since(plan.started)})


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
