"""The upstream client against a real chat-completions server on 127.0.0.1, scripted to misbehave:
attempt counts, typed errors, the deadline, the breaker and the connections left behind."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import aclosing
from typing import Any, TypeVar

import httpx
import pytest
import stamina

from bench.loopback_llm import Behaviour, LoopbackLLM
from service.config import Settings
from service.generative.breaker import CircuitBreaker
from service.generative.client import ChatClient, ClientConfig, Reply
from service.generative.errors import (
    CircuitOpenError,
    LLMError,
    UpstreamAddressRefusedError,
    UpstreamDeadlineError,
    UpstreamIncompleteError,
    UpstreamMalformedError,
    UpstreamRateLimitedError,
    UpstreamRejectedError,
    UpstreamStreamError,
    UpstreamTimeoutError,
    UpstreamTooLargeError,
    UpstreamUnavailableError,
)
from service.generative.transport import build_http_client
from service.generative.wire import Message
from tests.service.generative.conftest import API_KEY, llm_settings

T = TypeVar("T")
QUESTION = [Message(role="user", content="Who leads Superintelligence Labs?")]


def run(settings: Settings, use: Callable[[ChatClient], Awaitable[T]], **breaker: Any) -> T:
    """Runs `use` with a client built as the service builds it, then closes that client."""

    async def main() -> T:
        breaker_ = CircuitBreaker(breaker.get("threshold", 50), breaker.get("cool_down_s", 30.0))
        async with build_http_client(settings) as http:
            client = ChatClient(http, ClientConfig.from_settings(settings), breaker_)
            return await use(client)

    return asyncio.run(main())


async def collect(stream: AsyncIterator[str | Reply]) -> tuple[list[str], Reply | LLMError]:
    """The deltas of a stream, and its closing Reply or the error that ended it."""
    deltas: list[str] = []
    try:
        async for piece in stream:
            if isinstance(piece, Reply):
                return deltas, piece
            deltas.append(piece)
    except LLMError as exc:
        return deltas, exc
    raise AssertionError("the stream ended without a Reply")


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_plain_answer_carries_text_usage_and_the_request_settings(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.script(Behaviour(text="Alexandr Wang leads it [1]."))
    reply = run(llm_settings(llm_url, llm_max_tokens=77), lambda c: c.complete(QUESTION))
    assert reply.text == "Alexandr Wang leads it [1]."
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    assert llm.attempts == 1
    sent = llm.requests[0]
    assert sent.body["model"] == "gpt-4o-mini"
    assert sent.body["max_tokens"] == 77
    assert sent.body["messages"] == [m.model_dump() for m in QUESTION]
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.fixture
def scheduled_waits() -> Iterator[list[float]]:
    """The waits stamina schedules before each retry, read from its own retry hook: exact where
    timing the gap between requests would blur into the load on the machine."""
    waits: list[float] = []
    before = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    yield waits
    stamina.instrumentation.set_on_retry_hooks(before)


def test_429_waits_as_long_as_retry_after_asks_then_retries(
    llm: LoopbackLLM, llm_url: str, scheduled_waits: list[float]
) -> None:
    llm.script(Behaviour(status=429, headers={"Retry-After": "0.3"}), Behaviour(text="Fine [1]."))
    settings = llm_settings(llm_url, llm_retry_max_wait_s=1.0)
    reply = run(settings, lambda c: c.complete(QUESTION))
    assert reply.text == "Fine [1]."
    assert llm.attempts == 2
    assert scheduled_waits == [0.3]  # Retry-After, not the 0.5 s first backoff plus jitter
    assert llm.requests[1].started - llm.requests[0].started >= 0.3  # and the wait was kept


def test_429_asking_for_longer_than_the_cap_is_not_retried(llm: LoopbackLLM, llm_url: str) -> None:
    llm.script(Behaviour(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(UpstreamRateLimitedError) as caught:
        run(llm_settings(llm_url), lambda c: c.complete(QUESTION))
    assert caught.value.retry_after == 120
    assert llm.attempts == 1


def test_5xx_is_retried_with_backoff_until_the_retries_run_out(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.default = Behaviour(status=503, body=b'{"error": {"message": "overloaded"}}')
    with pytest.raises(UpstreamUnavailableError, match=r"HTTP 503\): overloaded"):
        run(llm_settings(llm_url, llm_retries=2), lambda c: c.complete(QUESTION))
    assert llm.attempts == 3


@pytest.mark.parametrize(("status", "hint"), [(400, "limits"), (401, "API_KEY"), (422, "limits")])
def test_a_refused_request_is_not_retried_and_never_echoes_the_key(
    llm: LoopbackLLM, llm_url: str, status: int, hint: str
) -> None:
    body = f'{{"error": {{"message": "Incorrect API key provided: {API_KEY}"}}}}'.encode()
    llm.script(Behaviour(status=status, body=body))
    with pytest.raises(UpstreamRejectedError) as caught:
        run(llm_settings(llm_url), lambda c: c.complete(QUESTION))
    assert llm.attempts == 1
    assert caught.value.status == status
    message = str(caught.value)
    assert f"HTTP {status}" in message and hint in message
    assert API_KEY not in message and "***" in message


def test_malformed_json_is_a_typed_error_and_not_retried(llm: LoopbackLLM, llm_url: str) -> None:
    llm.script(Behaviour(body=b'{"choices": [{"message": {"content": "cut'))
    with pytest.raises(UpstreamMalformedError, match="not a chat completion"):
        run(llm_settings(llm_url), lambda c: c.complete(QUESTION))
    llm.script(Behaviour(body=b'{"choices": []}'))
    with pytest.raises(UpstreamMalformedError, match="choices"):
        run(llm_settings(llm_url), lambda c: c.complete(QUESTION))
    assert llm.attempts == 1


def test_a_stream_without_done_gives_its_text_then_an_incomplete_error(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.script(Behaviour(text="Alexandr Wang leads it [1].", done=False))
    deltas, end = run(llm_settings(llm_url), lambda c: collect(c.stream(QUESTION)))
    assert "".join(deltas) == "Alexandr Wang leads it [1]."
    assert isinstance(end, UpstreamIncompleteError)
    assert llm.attempts == 1


def test_an_error_event_mid_stream_ends_it_with_a_stream_error(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.script(Behaviour(text="one two three four", error_after=2))
    deltas, end = run(llm_settings(llm_url), lambda c: collect(c.stream(QUESTION)))
    assert deltas == ["one", " two"]
    assert isinstance(end, UpstreamStreamError) and "the model crashed" in str(end)


def test_a_complete_stream_ends_with_usage(llm: LoopbackLLM, llm_url: str) -> None:
    llm.script(Behaviour(text="Alexandr Wang leads it [1]."))
    deltas, end = run(llm_settings(llm_url), lambda c: collect(c.stream(QUESTION)))
    assert len(deltas) == 5
    assert isinstance(end, Reply) and end.text == "".join(deltas)
    assert end.usage is not None and end.finish_reason == "stop"
    assert llm.requests[0].body["stream"] is True


def test_a_stall_longer_than_the_read_timeout_is_a_timeout(llm: LoopbackLLM, llm_url: str) -> None:
    llm.default = Behaviour(stall_s=1.0)
    settings = llm_settings(llm_url, llm_read_timeout_s=0.2, llm_retries=1)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeoutError, match="read timeout"):
        run(settings, lambda c: c.complete(QUESTION))
    assert llm.attempts == 2  # a timeout is retried
    assert time.monotonic() - started < 1.5
    # A stream that stalls after its first piece: the text so far, then the timeout.
    llm.script(Behaviour(text="one two", stall_s=1.0))
    deltas, end = run(settings, lambda c: collect(c.stream(QUESTION)))
    assert deltas == ["one"] and isinstance(end, UpstreamTimeoutError)


def test_an_oversized_answer_stops_at_the_byte_limit(llm: LoopbackLLM, llm_url: str) -> None:
    settings = llm_settings(llm_url, llm_max_response_bytes=4096)
    llm.script(Behaviour(pad_to=100_000))
    with pytest.raises(UpstreamTooLargeError, match="4096 bytes"):
        run(settings, lambda c: c.complete(QUESTION))
    llm.script(Behaviour(text="x" * 50_000))  # one endless event line in a stream
    _, end = run(settings, lambda c: collect(c.stream(QUESTION)))
    assert isinstance(end, UpstreamTooLargeError)
    assert llm.attempts == 1


def test_the_total_deadline_holds_across_slow_answers_and_retries(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.default = Behaviour(delay_s=0.4, status=500)
    settings = llm_settings(llm_url, llm_total_timeout_s=0.7, llm_retries=5)
    started = time.monotonic()
    with pytest.raises(UpstreamDeadlineError, match=r"0\.7 s"):
        run(settings, lambda c: c.complete(QUESTION))
    elapsed = time.monotonic() - started
    assert 0.7 <= elapsed < 2.0  # six slow attempts, uncut, would take 2.4 s and more
    assert llm.attempts == 2
    # A stream slower than the deadline is cut at it too.
    llm.script(Behaviour(text="a b c d e f g h", piece_delay_s=0.3))
    started = time.monotonic()
    deltas, end = run(settings, lambda c: collect(c.stream(QUESTION)))
    assert isinstance(end, UpstreamDeadlineError)
    assert 1 <= len(deltas) < 8 and time.monotonic() - started < 2.0  # uncut: 2.4 s


def test_the_breaker_opens_after_failures_then_lets_one_probe_close_it(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.default = Behaviour(status=500)
    settings = llm_settings(llm_url, llm_retries=0)

    async def scenario(client: ChatClient) -> list[str]:
        outcomes = []
        for _ in range(3):  # two failures open it; the third call never leaves
            try:
                await client.complete(QUESTION)
            except LLMError as exc:
                outcomes.append(exc.reason)
        await asyncio.sleep(0.25)  # the cool-down
        llm.default = Behaviour(text="Back [1].", delay_s=0.1)
        results = await asyncio.gather(
            client.complete(QUESTION), client.complete(QUESTION), return_exceptions=True
        )
        outcomes += [r.reason if isinstance(r, LLMError) else "ok" for r in results]
        outcomes.append("ok" if (await client.complete(QUESTION)).text else "?")
        return outcomes

    outcomes = run(settings, scenario, threshold=2, cool_down_s=0.2)
    assert outcomes[:3] == ["upstream_unavailable", "upstream_unavailable", "circuit_open"]
    assert sorted(outcomes[3:5]) == ["circuit_open", "ok"]  # one probe, the other held back
    assert outcomes[5] == "ok"  # closed again
    assert llm.attempts == 2 + 1 + 1


def test_closing_a_stream_early_closes_the_upstream_connection(
    llm: LoopbackLLM, llm_url: str
) -> None:
    llm.script(Behaviour(text=" ".join(["word"] * 200), piece_delay_s=0.05))

    async def read_two(client: ChatClient) -> list[str | Reply]:
        async with aclosing(client.stream(QUESTION)) as stream:
            return [await anext(stream), await anext(stream)]

    assert run(llm_settings(llm_url), read_two) == ["word", " word"]
    assert wait_for(lambda: llm.disconnects == 1)


def test_failures_leave_no_connection_open_once_the_client_closes(
    llm: LoopbackLLM, llm_url: str
) -> None:
    settings = llm_settings(llm_url, llm_read_timeout_s=0.2, llm_retries=0)
    behaviours = [
        Behaviour(stall_s=1.0),
        Behaviour(text="a b c", done=False),
        Behaviour(text="a b c", error_after=1),
        Behaviour(pad_to=3_000_000),
        Behaviour(status=500),
        Behaviour(body=b"not json"),
    ]

    async def each(client: ChatClient) -> int:
        failures = 0
        for behaviour in behaviours:
            for streamed in (False, True):
                llm.script(behaviour)
                try:
                    if streamed:
                        async with aclosing(client.stream(QUESTION)) as stream:
                            async for _ in stream:
                                pass
                    else:
                        await client.complete(QUESTION)
                except LLMError:
                    failures += 1
        return failures

    # Every fault fails both ways, but the two stream-only ones, which a plain call never meets.
    assert run(settings, each) == 2 * len(behaviours) - 2
    assert wait_for(lambda: llm.open_connections() == 0)


def test_an_open_breaker_fails_fast_without_calling(llm: LoopbackLLM, llm_url: str) -> None:
    llm.default = Behaviour(status=502)

    async def twice(client: ChatClient) -> float:
        with pytest.raises(UpstreamUnavailableError):
            await client.complete(QUESTION)
        started = time.monotonic()
        with pytest.raises(CircuitOpenError, match="no calls for"):
            await client.complete(QUESTION)
        return time.monotonic() - started

    assert run(llm_settings(llm_url, llm_retries=0), twice, threshold=1) < 0.05
    assert llm.attempts == 1


def run_resolving(
    settings: Settings, use: Callable[[ChatClient], Awaitable[T]], names: dict[str, str]
) -> T:
    """`run`, with `names` standing in for DNS (host -> address)."""

    async def main() -> T:
        resolver = lambda host, port: [names[host]]  # noqa: E731
        async with build_http_client(settings, resolver=resolver) as http:
            client = ChatClient(http, ClientConfig.from_settings(settings), CircuitBreaker(50, 30))
            return await use(client)

    return asyncio.run(main())


def test_the_endpoint_host_is_checked_where_each_connection_is_made(
    llm: LoopbackLLM, llm_url: str
) -> None:
    port = httpx.URL(llm_url).port
    settings = llm_settings(f"http://llm.example:{port}/v1")
    # The name resolves to the loopback server: the call goes to that checked address, still
    # naming the host it asked for.
    llm.script(Behaviour(text="It does [1]."))
    reply = run_resolving(settings, lambda c: c.complete(QUESTION), {"llm.example": "127.0.0.1"})
    assert reply.text == "It does [1]."
    assert llm.requests[0].headers["host"] == f"llm.example:{port}"
    # Later the same name points at the cloud's metadata service (DNS rebinding): refused
    # before any connection, naming the address, and not retried.
    llm.script()
    with pytest.raises(UpstreamAddressRefusedError, match=r"169\.254\.169\.254.*cloud metadata"):
        run_resolving(settings, lambda c: c.complete(QUESTION), {"llm.example": "169.254.169.254"})
    assert llm.attempts == 0
