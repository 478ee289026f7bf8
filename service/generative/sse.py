"""`POST /ask` with `"stream": true`: the answer as server-sent events.

    event: passages   {"passages": [Passage...], "index_version": "..."}       once, first
    event: delta      {"text": "..."}                                        zero or more
    event: citations  {"answer", "citations", "grounded", "unsupported_sentences",
                       "dropped_markers"}                                    once
    event: done       {"mode_used", "fallback_reason", "abstained", "confidence", "usage",
                       "partial", "index_version", "took_ms"}                once, last
    event: error      {"code", "message"}                 in place of citations and done

`citations` and `done` carry the JSON answer's fields of those names (service.types.AskResult).
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
from service.types import AskResult, Passage

log = logging.getLogger(__name__)

# The closing events are views of the AskResult: the JSON answer's fields, split in two.
CITATIONS_FIELDS = {
    "answer", "citations", "grounded", "unsupported_sentences", "dropped_markers",
}  # fmt: skip
DONE_FIELDS = {
    "mode_used", "fallback_reason", "abstained", "confidence", "usage", "partial",
    "index_version", "took_ms",
}  # fmt: skip


class PassagesData(BaseModel):
    passages: list[Passage]
    index_version: str


class DeltaData(BaseModel):
    text: str


class ErrorData(BaseModel):
    code: str
    message: str


def _event(name: str, data: BaseModel) -> bytes:
    return format_sse_event(event=name, data_str=data.model_dump_json())


def done_events(result: AskResult) -> list[bytes]:
    """The closing `citations` and `done` events of an answer."""
    return [
        format_sse_event(event=name, data_str=result.model_dump_json(include=fields))
        for name, fields in (("citations", CITATIONS_FIELDS), ("done", DONE_FIELDS))
    ]


async def encode(
    events: AsyncGenerator[AskEvent, None], on_done: Callable[[AskResult], None]
) -> AsyncIterator[bytes]:
    """The wire bytes of an answer's events; a failure becomes an `error` event, never a trace."""
    try:
        async for event in events:
            if isinstance(event, PassagesEvent):
                data = PassagesData(passages=event.passages, index_version=event.index_version)
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
