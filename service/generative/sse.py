"""`POST /ask` with `"stream": true`: the answer as server-sent events.

    event: passages   {"passages": [Passage...], "index_version": "..."}       once, first
    event: delta      {"text": "..."}                                        zero or more
    event: citations  {"answer", "citations", "grounded", "unsupported_sentences",
                       "dropped_markers"}                                    once
    event: done       {"mode_used", "fallback_reason", "abstained", "confidence", "usage",
                       "partial", "index_version", "took_ms"}                once, last
    event: error      {"code", "message"}                 in place of citations and done

Deltas are the answer's text as it arrives, with markers naming no passage and links no passage
carries removed; the citations event's `answer` is the final text, cleaned against the cited
passages only. An extractive answer arrives as one delta.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable

import anyio
from fastapi.sse import format_sse_event
from pydantic import BaseModel

from indexer.errors import IndexError_
from service.engine import IndexUnavailableError
from service.generative.modes import AskEvent, DeltaEvent, DoneEvent, ErrorEvent, PassagesEvent
from service.schemas import AskResponse, CitationOut, Passage, UsageOut
from service.types import AnswerMode, AskResult

log = logging.getLogger(__name__)


class PassagesData(BaseModel):
    passages: list[Passage]
    index_version: str


class DeltaData(BaseModel):
    text: str


class CitationsData(BaseModel):
    answer: str | None
    citations: list[CitationOut]
    grounded: bool
    unsupported_sentences: list[str]
    dropped_markers: list[int]


class DoneData(BaseModel):
    mode_used: AnswerMode
    fallback_reason: str | None
    abstained: bool
    confidence: float
    usage: UsageOut | None
    partial: bool
    index_version: str
    took_ms: float


class ErrorData(BaseModel):
    code: str
    message: str


def _event(name: str, data: BaseModel) -> bytes:
    return format_sse_event(event=name, data_str=data.model_dump_json())


def done_events(result: AskResult) -> list[bytes]:
    """The closing `citations` and `done` events of an answer."""
    body = AskResponse.from_result(result)
    citations = CitationsData(
        answer=body.answer,
        citations=body.citations,
        grounded=body.grounded,
        unsupported_sentences=body.unsupported_sentences,
        dropped_markers=body.dropped_markers,
    )
    done = DoneData(
        mode_used=body.mode_used,
        fallback_reason=body.fallback_reason,
        abstained=body.abstained,
        confidence=body.confidence,
        usage=body.usage,
        partial=body.partial,
        index_version=body.index_version,
        took_ms=body.took_ms,
    )
    return [_event("citations", citations), _event("done", done)]


async def encode(
    events: AsyncGenerator[AskEvent, None], on_done: Callable[[AskResult], None]
) -> AsyncIterator[bytes]:
    """The wire bytes of an answer's events; a failure becomes an `error` event, never a trace."""
    try:
        async for event in events:
            if isinstance(event, PassagesEvent):
                passages = [Passage.from_hit(hit) for hit in event.hits]
                data = PassagesData(passages=passages, index_version=event.index_version)
                yield _event("passages", data)
            elif isinstance(event, DeltaEvent):
                yield _event("delta", DeltaData(text=event.text))
            elif isinstance(event, DoneEvent):
                on_done(event.result)
                for chunk in done_events(event.result):
                    yield chunk
            elif isinstance(event, ErrorEvent):
                yield _event("error", ErrorData(code=event.code, message=event.message))
    except (IndexUnavailableError, IndexError_) as exc:
        yield _event("error", ErrorData(code="index_unavailable", message=str(exc)))
    except Exception as exc:
        log.error("streamed answer failed", exc_info=exc)
        yield _event("error", ErrorData(code="internal_error", message="internal server error"))
    finally:
        with anyio.CancelScope(shield=True):  # the upstream call closes even on a disconnect
            await events.aclose()
