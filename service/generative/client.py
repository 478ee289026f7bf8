"""The upstream chat-completions client: plain or streamed answers, each call retried by exactly one
layer (stamina), guarded by the circuit breaker, and bounded by a total deadline.

httpx with httpx-sse rather than the openai SDK: the SDK (3.x) runs on its own HTTP stack (httpx2)
beside the httpx the rest of newsqa uses, its stream iterator hides whether `[DONE]` arrived (a
cut stream reads as a complete one), and it builds response objects without validating them.
Here a truncated stream, an error event, a malformed body and an oversized one are each a typed
error (service/generative/errors.py), parsed against the few fields newsqa reads (wire.py).
"""

from __future__ import annotations

import asyncio
import email.utils
import math
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import httpx
import stamina
from httpx_sse import EventSource, SSEError
from pydantic import ValidationError

from indexer.sources.address_policy import AddressRefusedError
from service.config import Settings
from service.generative.breaker import CircuitBreaker
from service.generative.errors import (
    LLMError,
    UpstreamAddressRefusedError,
    UpstreamDeadlineError,
    UpstreamIncompleteError,
    UpstreamMalformedError,
    UpstreamRateLimitedError,
    UpstreamRejectedError,
    UpstreamStreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from service.generative.observer import NullObserver, Observer
from service.generative.wire import Chunk, Completion, Message, Usage, error_message

T = TypeVar("T")
_HINTS = {
    401: "check NEWSQA_LLM_API_KEY",
    403: "check NEWSQA_LLM_API_KEY",
    404: "check NEWSQA_LLM_BASE_URL and NEWSQA_LLM_MODEL",
}


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    model: str
    api_key: str | None = None
    max_tokens: int = 512
    temperature: float = 0.0
    total_timeout_s: float = 60.0
    retries: int = 2
    retry_max_wait_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientConfig:
        if not settings.llm_base_url or not settings.llm_model:
            raise ValueError("NEWSQA_LLM_BASE_URL and NEWSQA_LLM_MODEL are not set")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key or None,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            total_timeout_s=settings.llm_total_timeout_s,
            retries=settings.llm_retries,
            retry_max_wait_s=settings.llm_retry_max_wait_s,
        )

    def __repr__(self) -> str:  # the key stays out of reprs, logs and tracebacks
        return f"ClientConfig(base_url={self.base_url!r}, model={self.model!r}, api_key=***)"


@dataclass(frozen=True)
class Reply:
    """A whole answer (plain call), or the end of a stream (`text` then holds what was streamed)."""

    text: str
    usage: Usage | None
    finish_reason: str | None


class ChatClient:
    """Calls POST {base_url}/chat/completions through an injected httpx.AsyncClient."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: ClientConfig,
        breaker: CircuitBreaker,
        observer: Observer | None = None,
    ) -> None:
        self._http = http
        self._config = config
        self._breaker = breaker
        self._observer = observer or NullObserver()
        self._url = f"{config.base_url}/chat/completions"

    @property
    def model(self) -> str:
        return self._config.model

    async def complete(self, messages: Sequence[Message]) -> Reply:
        """The whole answer, or an LLMError once retries, breaker or deadline say no."""
        deadline = asyncio.get_running_loop().time() + self._config.total_timeout_s
        body = self._body(messages, stream=False)
        try:
            return await self._within(deadline, self._retrying(lambda: self._once(body), deadline))
        except UpstreamDeadlineError as exc:
            raise self._failed(exc) from None

    async def stream(self, messages: Sequence[Message]) -> AsyncGenerator[str | Reply, None]:
        """Text deltas as they arrive, then a closing Reply; an LLMError ends it early.

        Retries happen only before the first delta. Close the iterator (`aclosing`) when leaving
        early: that closes the upstream connection at once.
        """
        deadline = asyncio.get_running_loop().time() + self._config.total_timeout_s
        body = self._body(messages, stream=True)
        try:
            response = await self._within(
                deadline, self._retrying(lambda: self._send(body, stream=True), deadline)
            )
        except UpstreamDeadlineError as exc:
            raise self._failed(exc) from None
        if not _is_event_stream(response):  # a server that ignores "stream": one JSON answer
            reply = await self._read_reply(response)
            self._succeeded()
            yield reply.text
            yield reply
            return
        events = EventSource(response).aiter_sse()
        parts: list[str] = []
        usage: Usage | None = None
        finish: str | None = None
        try:
            while True:
                event = await self._within(deadline, anext(events, None))
                if event is None:
                    raise UpstreamIncompleteError("the LLM endpoint's stream ended without [DONE]")
                if event.data.strip() == "[DONE]":
                    break
                chunk = _parse_chunk(event.event, event.data, self._redact)
                usage = chunk.usage or usage
                finish = chunk.finish_reason or finish
                if chunk.text:
                    parts.append(chunk.text)
                    yield chunk.text
            if not "".join(parts).strip():
                raise UpstreamMalformedError("the LLM endpoint's stream holds no answer text")
        except BaseException as exc:
            raise self._failed(exc) from None
        finally:
            with anyio.CancelScope(shield=True):  # close the connection even while cancelled
                await events.aclose()
                await response.aclose()
        self._succeeded()
        yield Reply("".join(parts), usage, finish)

    # -- one attempt ------------------------------------------------------------------------

    async def _once(self, body: dict[str, Any]) -> Reply:
        response = await self._send(body, stream=False)
        reply = await self._read_reply(response)
        self._succeeded()
        return reply

    async def _send(self, body: dict[str, Any], *, stream: bool) -> httpx.Response:
        """Sends one request; a response that is not a 200 becomes a typed error here."""
        self._breaker.admit()
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if self._config.api_key:
            headers["Authorization"] = f"Bearer {self._config.api_key}"
        request = self._http.build_request("POST", self._url, json=body, headers=headers)
        try:
            response = await self._http.send(request, stream=True)
        except BaseException as exc:
            raise self._failed(exc) from None
        if response.status_code == 200:
            return response
        try:
            raw = await response.aread()
        except BaseException as exc:
            raise self._failed(exc) from None
        finally:
            await _close(response)
        raise self._failed(self._status_error(response.status_code, response.headers, raw))

    async def _read_reply(self, response: httpx.Response) -> Reply:
        try:
            raw = await response.aread()
            try:
                completion = Completion.model_validate_json(raw)
            except ValidationError as exc:
                raise UpstreamMalformedError(
                    f"the LLM endpoint's answer is not a chat completion: {_first(exc)}"
                ) from None
            text = completion.choices[0].message.content or ""
            if not text.strip():
                raise UpstreamMalformedError("the LLM endpoint's answer holds no text")
        except BaseException as exc:
            raise self._failed(exc) from None
        finally:
            await _close(response)
        return Reply(text, completion.usage, completion.choices[0].finish_reason)

    # -- retries, deadline, outcomes ----------------------------------------------------------

    async def _retrying(self, once: Callable[[], Awaitable[T]], deadline: float) -> T:
        loop = asyncio.get_running_loop()
        cap = self._config.retry_max_wait_s

        def backoff(exc: BaseException) -> bool | float:
            if not isinstance(exc, LLMError) or not exc.retryable:
                return False
            if isinstance(exc, UpstreamRateLimitedError) and exc.retry_after is not None:
                # Honoured exactly, or not retried at all: retrying sooner than asked is rude
                # and likely refused again.
                if exc.retry_after > min(cap, deadline - loop.time()):
                    return False
                return exc.retry_after
            return True

        first_wait = min(0.5, cap)
        async for attempt in stamina.retry_context(
            on=backoff,
            attempts=self._config.retries + 1,
            timeout=None,  # the deadline bounds the whole call instead
            wait_initial=first_wait,
            wait_max=cap,
            wait_jitter=first_wait,
        ):
            with attempt:
                return await once()
        raise AssertionError("stamina ends with a result or an exception")  # pragma: no cover

    async def _within(self, deadline: float, awaitable: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout_at(deadline):
                return await awaitable
        except TimeoutError:
            raise UpstreamDeadlineError(
                f"the LLM endpoint did not finish within {self._config.total_timeout_s:g} s"
            ) from None

    def _succeeded(self) -> None:
        self._breaker.succeeded()
        self._observer.upstream_attempt("ok")

    def _failed(self, exc: BaseException) -> BaseException:
        """Records how an attempt ended and returns the error to raise in its place."""
        if not isinstance(exc, Exception) or isinstance(exc, asyncio.CancelledError):
            self._breaker.released()  # the caller left; that says nothing about the endpoint
            self._observer.upstream_attempt("cancelled")
            return exc
        error = _translate(exc)
        if isinstance(error, UpstreamRejectedError):
            self._breaker.succeeded()  # it answered: the endpoint is up, the request is wrong
        elif isinstance(error, LLMError):
            self._breaker.failed()
        else:
            self._breaker.released()
        self._observer.upstream_attempt(error.reason if isinstance(error, LLMError) else "bug")
        return error

    def _status_error(self, status: int, headers: httpx.Headers, raw: bytes) -> LLMError:
        detail = self._redact(
            " ".join((error_message(raw) or raw[:300].decode("utf-8", "replace")).split())
        )[:300]
        if status == 429:
            return UpstreamRateLimitedError(
                f"the LLM endpoint is rate limiting (HTTP 429): {detail}",
                _retry_after(headers.get("retry-after")),
            )
        if status >= 500:
            return UpstreamUnavailableError(f"the LLM endpoint failed (HTTP {status}): {detail}")
        if 300 <= status < 400:
            return UpstreamRejectedError(
                f"the LLM endpoint redirected (HTTP {status}); redirects are not followed: "
                "check NEWSQA_LLM_BASE_URL",
                status,
            )
        if 400 <= status < 500:
            hint = _HINTS.get(status, "check NEWSQA_LLM_MODEL and the endpoint's limits")
            return UpstreamRejectedError(
                f"the LLM endpoint refused the request (HTTP {status}): {detail}; {hint}", status
            )
        return UpstreamMalformedError(f"the LLM endpoint answered HTTP {status}")

    def _redact(self, text: str) -> str:
        key = self._config.api_key
        return text.replace(key, "***") if key else text

    def _body(self, messages: Sequence[Message], *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._config.model,
            "messages": [m.model_dump() for m in messages],
            "max_tokens": self._config.max_tokens,
            "temperature": self._config.temperature,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, AddressRefusedError):
        return UpstreamAddressRefusedError(f"the LLM endpoint was not called: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__.removesuffix("Timeout").lower() or "read"
        return UpstreamTimeoutError(f"the LLM endpoint did not answer within the {kind} timeout")
    if isinstance(exc, SSEError):
        return UpstreamMalformedError(f"the LLM endpoint's stream is not server-sent events: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return UpstreamUnavailableError(f"cannot reach the LLM endpoint: {type(exc).__name__}")
    return exc


def _parse_chunk(event: str, data: str, redact: Callable[[str], str]) -> Chunk:
    if event == "error" or '"error"' in data:
        message = error_message(data.encode()) if data.lstrip().startswith("{") else None
        if event == "error" or message is not None:
            detail = redact(" ".join((message or data).split()))[:300]
            raise UpstreamStreamError(f"the LLM endpoint's stream reported an error: {detail}")
    try:
        return Chunk.model_validate_json(data)
    except ValidationError as exc:
        raise UpstreamMalformedError(
            f"the LLM endpoint's stream sent an event that is not a chunk: {_first(exc)}"
        ) from None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _first(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


async def _close(response: httpx.Response) -> None:
    with anyio.CancelScope(shield=True):
        await response.aclose()
