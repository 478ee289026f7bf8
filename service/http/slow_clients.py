"""Slow clients: a deadline for a request's head, enforced inside uvicorn's HTTP protocol.

uvicorn (0.55) has no such timeout: its keep-alive timer is cancelled by the first byte of a
request, and a connection that has sent nothing yet has no timer at all, so a client that sends
headers one byte at a time holds a connection for as long as it likes (slow-loris). An ASGI
middleware cannot help: the app is called only once the head is complete. So the protocol
uvicorn uses is subclassed (uvicorn's documented `http=` setting takes a protocol class) to
close a connection whose head takes longer than `head_timeout_s` from its first byte (or from
the connection's opening). The body's deadline is the ASGI layer's (BodyLimitMiddleware), which
answers 408. README ("Slow clients") says what to put in front for a public deployment.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


class _HeadDeadline:
    """Mixed in before a uvicorn HTTP protocol class; relies on its `cycle`, `transport`,
    `loop` and `client` attributes (the same in the h11 and httptools protocols)."""

    head_timeout_s: ClassVar[float | None] = None  # None: NEWSQA_HEADER_TIMEOUT_S
    cycle: Any
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    client: tuple[str, int] | None
    _head_timer: asyncio.TimerHandle | None = None

    def _head_seconds(self) -> float:
        if self.head_timeout_s is not None:
            return self.head_timeout_s
        from service.config import get_settings

        return get_settings().header_timeout_s

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()  # a connection that never sends a byte is timed too

    def data_received(self, data: bytes) -> None:
        between_requests = self.cycle is None or self.cycle.response_complete
        if between_requests and self._head_timer is None:
            self._arm()  # the first byte of a kept-alive connection's next request
        before = self.cycle
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not before:  # the head was complete: a request is under way
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self._head_seconds(), self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            who = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info("closing the connection of %s: no complete request head in time", who)
            self.transport.close()


class HeadTimeoutProtocol(_HeadDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, C) with the head deadline (NEWSQA_HEADER_TIMEOUT_S).

    httptools rather than h11 (pure Python) because a request's HTTP handling is then a fraction
    of the CPU: with uvloop, `GET /healthz` at 32 connections went from 747 (h11, asyncio) to
    2,596 requests/s on two cores, and every acknowledgement and refusal waits less for a core.
    """


# What `newsqa serve` hands uvicorn; a string, so that worker processes import it themselves.
PROTOCOL_PATH = f"{__name__}:HeadTimeoutProtocol"


def head_timeout_protocol(seconds: float) -> type[HeadTimeoutProtocol]:
    """The protocol with a fixed deadline (one process; tests)."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive. Currently, it is {seconds}")
    return type("HeadTimeoutProtocol", (HeadTimeoutProtocol,), {"head_timeout_s": seconds})
