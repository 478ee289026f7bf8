"""Guard rails as ASGI middleware: bearer API keys, a per-client rate limit, a body size limit.

They sit outside the router, so they also cover unknown routes, /docs and /metrics; only the
health probes are exempt from keys and rate limits.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_response

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


class TokenBucketLimiter:
    """`per_minute` requests a minute per client, in bursts of up to `per_minute` (thread-safe).

    Keeps the `max_clients` most recently seen clients; one pushed out starts again full.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1. Currently, it is {per_minute}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens a second
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: (tokens, t)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 where the request may go ahead, else the seconds until it may."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
            return wait


class GuardMiddleware:
    """Bearer API keys (when any are configured) and the rate limit, per key or client address."""

    def __init__(self, app: ASGIApp, *, api_keys: Sequence[str], limiter: TokenBucketLimiter):
        self.app = app
        self._keys = [key.encode() for key in api_keys]
        self._limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        client = self._client(scope)
        if client is None:
            headers = {"WWW-Authenticate": "Bearer"}
            has_token = _bearer(scope) is not None
            message = "invalid API key" if has_token else "missing bearer token (an API key)"
            await error_response(401, "unauthorized", message, headers)(scope, receive, send)
            return
        wait = self._limiter.take(client)
        if wait > 0:
            headers = {"Retry-After": str(max(1, math.ceil(wait)))}
            message = f"rate limit of {int(self._limiter.capacity)} requests a minute exceeded"
            await error_response(429, "rate_limited", message, headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _client(self, scope: Scope) -> str | None:
        """Who the request counts against: the key's slot, or the address; None if refused."""
        if not self._keys:
            address = scope.get("client")
            return f"addr:{address[0] if address else 'unknown'}"
        token = _bearer(scope)
        if token is None:
            return None
        # Compare with every key, in constant time, so timing tells nothing about a key.
        matches = [hmac.compare_digest(token, key) for key in self._keys]
        return f"key:{matches.index(True)}" if any(matches) else None


def _bearer(scope: Scope) -> bytes | None:
    value = Headers(scope=scope).get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip().encode()


class BodyLimitMiddleware:
    """413 for a body over `max_bytes`, by Content-Length or by counting a streamed body.

    The body is read up front (at most `max_bytes`) and replayed, so the refusal is sent before
    any route runs and never in the middle of a response.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # a disconnect: hand it on
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than {self.max_bytes} bytes"
        await error_response(413, "payload_too_large", message)(scope, receive, send)
