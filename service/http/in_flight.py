"""A cap on the requests one worker process works on at once; the excess is refused at once.

Past the point where the cores are busy, more concurrent requests only wait longer (each one
holds a thread and its buffers); a client told "503, retry after 1 s" can go elsewhere or back
off, and the requests already admitted keep their latency. Counted per process: with N workers
a server admits up to N x `limit`. The probes and /metrics are exempt, so an overloaded server
still says it is alive and shows that it is refusing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.errors import error_response

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_S = 1


class InFlightLimitMiddleware:
    """At most `limit` HTTP requests in flight; the rest get 503 + Retry-After, unqueued."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1. Currently, it is {limit}")
        self.app = app
        self.limit = limit
        self.in_flight = 0  # touched only on the event loop, so no lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            message = (
                f"this worker is at its limit of {self.limit} requests in flight; "
                f"retry after {RETRY_AFTER_S} s"
            )
            headers = {"Retry-After": str(RETRY_AFTER_S)}
            await error_response(503, "overloaded", message, headers)(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
