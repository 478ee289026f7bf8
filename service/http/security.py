"""Guard rails as ASGI middleware: bearer API keys, a per-client rate limit, a body size limit.

They sit outside the router, so they also cover unknown routes, /docs and /metrics; only the
health probes and the `OpenPaths` of the app are exempt from keys and rate limits: the web
page's own files (the page must load without a key to ask for one, and its files are bytes held
in memory: a limit that counted them would break a page on its second reload under a low
per-minute limit), and /slack/events where the bot is on (Slack signs each request instead,
and a 429 would only make Slack deliver again).
"""

from __future__ import annotations

import asyncio
import hmac
import math
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import error_response


@dataclass(frozen=True)
class OpenPaths:
    """Paths that pass the guard with no API key and outside the rate limit: these exact paths,
    and every path under these prefixes. Combine sets with `|`."""

    paths: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (path in self.paths or path.startswith(self.prefixes))

    def __or__(self, other: OpenPaths) -> OpenPaths:
        return OpenPaths(self.paths | other.paths, self.prefixes + other.prefixes)


PROBES = OpenPaths(frozenset({"/healthz", "/readyz"}))


class RateLimiter(Protocol):
    capacity: float  # requests a client may make in one burst (the per-minute limit)

    def take(self, key: str) -> float:
        """0 where the request may go ahead, else the seconds until it may."""
        ...


def _refill(
    tokens: float, last: float, now: float, capacity: float, rate: float
) -> tuple[float, float]:
    """(tokens left after this request, seconds to wait: 0 where it may go ahead)."""
    tokens = min(capacity, tokens + max(0.0, now - last) * rate)
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate


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
            tokens, wait = _refill(tokens, last, now, self.capacity, self.rate)
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
            return wait


class SharedTokenBucketLimiter:
    """The same buckets, kept in a SQLite file that every worker process of a server shares.

    With several workers, a limit kept per process would let a client through once per worker.
    Each `take` is one short write transaction (WAL, no fsync: the buckets are disposable);
    buckets idle long enough to be full again are pruned now and then.
    """

    PRUNE_EVERY = 1000  # takes between prunes, per process

    def __init__(
        self, path: Path, per_minute: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # time.monotonic is one clock for every process on a machine (CLOCK_MONOTONIC).
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1. Currently, it is {per_minute}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._path = path
        self._clock = clock
        self._local = threading.local()
        self._takes = 0
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS buckets "
                "(key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL)"
            )

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            self._local.db = db
        return db

    def take(self, key: str) -> float:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # one writer at a time across processes
        try:
            now = self._clock()
            row = db.execute("SELECT tokens, updated FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens, last = row if row is not None else (self.capacity, now)
            tokens, wait = _refill(tokens, last, now, self.capacity, self.rate)
            db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)", (key, tokens, now))
            self._takes += 1
            if self._takes % self.PRUNE_EVERY == 0:  # a bucket idle this long is full again
                db.execute(
                    "DELETE FROM buckets WHERE updated < ?", (now - self.capacity / self.rate,)
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return wait


class GuardMiddleware:
    """Bearer API keys (when any are configured) and the rate limit, per key or client address.

    `open_paths` need neither (the health probes by default).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_keys: Sequence[str],
        limiter: RateLimiter,
        open_paths: OpenPaths = PROBES,
    ):
        self.app = app
        self._keys = [key.encode() for key in api_keys]
        self._limiter = limiter
        self._open = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open:
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
    """413 for a body over `max_bytes`, by Content-Length or by counting a streamed body; 408
    (and the connection closed) for a body not complete within `timeout_s` (a slow client).

    The body is read up front (at most `max_bytes`) and replayed, so the refusal is sent before
    any route runs and never in the middle of a response.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_s: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

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
        try:
            async with asyncio.timeout(self.timeout_s):
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
        except TimeoutError:
            text = f"request body not received within {self.timeout_s:g} s"
            # Connection: close makes uvicorn drop the connection after answering.
            close = {"Connection": "close"}
            await error_response(408, "request_timeout", text, close)(scope, receive, send)
            return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than {self.max_bytes} bytes"
        await error_response(413, "payload_too_large", message)(scope, receive, send)
