"""An OpenAI-compatible face, so chat front ends (Open WebUI, LibreChat, the openai SDK) can use
newsqa as a model: `POST /v1/chat/completions` (plain and streaming) and `GET /v1/models`.

Models name the answer mode: `newsqa` (auto), `newsqa-extractive`, `newsqa-generative`. The
last user message is the question. Earlier user and assistant turns go to the LLM as context,
and the previous user question joins the retrieval query, so a follow-up ("and who funds it?")
finds its story; a client's own system messages are left out (newsqa's instructions stand). The
answer carries its sources as numbered footnotes. Keys, limits and errors are the service's own.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, format_sse_event

from service.generative.modes import Answerer, AskEvent, DeltaEvent, DoneEvent, ErrorEvent
from service.generative.prompt import NO_ANSWER
from service.generative.wire import ChatRequest, IncomingMessage, Message
from service.http.errors import ApiError
from service.http.metrics import Metrics
from service.http.schemas import COMMON_ERRORS, error_responses
from service.http.validation import normalise_text
from service.types import AnswerMode, AskResult, Passage

MODELS: dict[str, AnswerMode] = {
    "newsqa": "auto",
    "newsqa-extractive": "extractive",
    "newsqa-generative": "generative",
}
MAX_QUESTION_CHARS = 1000  # as POST /ask
_CREATED = int(time.time())
log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])


@router.get("/models", responses=error_responses(*COMMON_ERRORS))
async def list_models() -> dict[str, Any]:
    """The models this service answers as (each an answer mode)."""
    data = [{"id": m, "object": "model", "created": _CREATED, "owned_by": "newsqa"} for m in MODELS]
    return {"object": "list", "data": data}


@router.post(
    "/chat/completions",
    responses={
        **error_responses(*COMMON_ERRORS, 404, 502),
        200: {
            "content": {"application/json": {}, "text/event-stream": {}},
            "description": "A chat completion, or chunks as events if stream",
        },
    },
)
async def chat_completions(body: ChatRequest, request: Request) -> Response:
    """A chat completion whose answer comes from the indexed news, with footnoted sources."""
    mode = MODELS.get(body.model)
    if mode is None:
        raise ApiError(
            404, "model_not_found", f"no model {body.model!r}; use one of {', '.join(MODELS)}"
        )
    question, history, query = conversation(body.messages)
    answerer: Answerer = request.app.state.answerer
    metrics: Metrics = request.app.state.metrics
    plan = await answerer.prepare(question, mode=mode, history=history, retrieval_query=query)
    ident = f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        result = await answerer.answer(plan)
        metrics.count_answer(result)
        return JSONResponse(_completion(ident, body.model, result))
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    chunks = _chunks(answerer.stream(plan), ident, body.model, include_usage, metrics)
    return EventSourceResponse(chunks, headers={"Cache-Control": "no-store"})


def conversation(messages: list[IncomingMessage]) -> tuple[str, list[Message], str]:
    """(question, earlier turns for the LLM, retrieval query) from a chat's messages.

    Turns with nothing visible are left out; a last user message with nothing visible (only
    whitespace, control or zero-width characters) is a 422 naming it, as on POST /ask.
    """
    said = [(i, m) for i, m in enumerate(messages) if m.role in ("user", "assistant")]
    if said and said[-1][1].role == "user" and not _visible(said[-1][1].text):
        where, last = said[-1]
        try:
            normalise_text(last.text)
        except ValueError as exc:
            error = {
                "type": "value_error",
                "loc": ("body", "messages", where, "content"),
                "msg": f"Value error, {exc}",
                "input": last.content,
            }
            raise RequestValidationError([error]) from None
    turns = [m for _, m in said if _visible(m.text)]
    if not turns or turns[-1].role != "user":
        raise ApiError(400, "bad_request", "the conversation must end with a user message")
    question = normalise_text(turns[-1].text)
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(
            400,
            "bad_request",
            f"the question is {len(question)} characters long; at most {MAX_QUESTION_CHARS}",
        )
    history = [Message(role=m.role, content=m.text) for m in turns[:-1]]
    previous = [normalise_text(m.text) for m in turns[:-1] if m.role == "user"]
    query = f"{previous[-1]} {question}"[-MAX_QUESTION_CHARS:] if previous else question
    return question, history, query


def _visible(text: str) -> bool:
    try:
        normalise_text(text)
    except ValueError:
        return False
    return True


def footnotes(result: AskResult) -> str:
    """The answer's sources, one numbered line each, as the answer text numbers them."""
    lines = []
    if result.mode_used == "generative":
        quotes = {c.marker: c.quote for c in result.citations if c.marker is not None}
        numbers = sorted({c.marker for c in result.citations if c.marker is not None})
        for number in numbers:
            if 1 <= number <= len(result.passages):
                lines.append(_footnote(number, result.passages[number - 1], quotes.get(number)))
    else:
        for number, citation in enumerate(result.citations, start=1):
            where = ", ".join(
                str(part)
                for part in (citation.title, citation.source, citation.published_at, citation.url)
                if part
            )
            lines.append(f"[{number}] “{citation.quote}” — {where}")
    return "\n\nSources:\n" + "\n".join(lines) if lines else ""


def answer_text(result: AskResult) -> str:
    """What the assistant says, footnotes included."""
    if result.answer is None:
        return NO_ANSWER
    marker = " [1]" if result.mode_used == "extractive" and result.citations else ""
    return f"{result.answer}{marker}{footnotes(result)}"


def _footnote(number: int, passage: Passage, quote: str | None) -> str:
    where = ", ".join(
        str(part)
        for part in (passage.title, passage.source, passage.published_at, passage.url)
        if part
    )
    return f"[{number}] “{quote}” — {where}" if quote else f"[{number}] {where}"


def _usage(result: AskResult) -> dict[str, int]:
    prompt = result.usage.prompt_tokens if result.usage else 0
    completion = result.usage.completion_tokens if result.usage else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(ident: str, model: str, result: AskResult) -> dict[str, Any]:
    message = {"role": "assistant", "content": answer_text(result)}
    return {
        "id": ident,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(result),
    }


async def _chunks(
    events: AsyncGenerator[AskEvent, None],
    ident: str,
    model: str,
    include_usage: bool,
    metrics: Metrics,
) -> AsyncIterator[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [choice],
            **extra,
        }
        return format_sse_event(data_str=json.dumps(body))

    yield chunk({"role": "assistant", "content": ""})
    try:
        async with aclosing(events):
            async for event in events:
                if isinstance(event, DeltaEvent):
                    yield chunk({"content": event.text})
                elif isinstance(event, ErrorEvent):
                    yield _error(event.code, event.message)
                    return
                elif isinstance(event, DoneEvent):
                    metrics.count_answer(event.result)
                    if tail := _tail(event.result):
                        yield chunk({"content": tail})
                    yield chunk({}, "stop")
                    if include_usage:
                        yield format_sse_event(data_str=json.dumps({
                            "id": ident, "object": "chat.completion.chunk", "created": created,
                            "model": model, "choices": [], "usage": _usage(event.result),
                        }))  # fmt: skip
    except Exception as exc:  # the SDK raises on an error chunk; a trace would be a cut stream
        log.error("streamed chat completion failed", exc_info=exc)
        yield _error("internal_error", "internal server error")
        return
    yield format_sse_event(data_str="[DONE]")


def _tail(result: AskResult) -> str:
    """What follows the streamed text: the extractive answer's marker, and the footnotes."""
    if result.answer is None:
        return "" if result.mode_used == "generative" else NO_ANSWER
    marker = " [1]" if result.mode_used == "extractive" and result.citations else ""
    return marker + footnotes(result)


def _error(code: str, message: str) -> bytes:
    error = {"error": {"message": message, "type": "newsqa_error", "code": code}}
    return format_sse_event(data_str=json.dumps(error))
