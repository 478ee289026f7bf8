"""The HTTP client the LLM calls go through: timeouts, no redirects, a cap on every answer's size,
and connections only to addresses the endpoint policy allows (service/generative/endpoint.py),
checked as each connection is made.

The cap sits in the transport, under httpx-sse's line decoder and `Response.aread`, so neither a
huge JSON body nor an endless line of a stream is held in memory before the limit trips.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from indexer.sources.address_policy import Resolver, system_resolver
from indexer.sources.guarded_transport import AsyncGuardedTransport
from service.config import Settings
from service.generative.endpoint import LLM_POLICY
from service.generative.errors import UpstreamTooLargeError


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, max_bytes: int) -> None:
        self._inner = inner
        self._max_bytes = max_bytes

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._max_bytes:
                raise UpstreamTooLargeError(
                    f"the LLM endpoint's answer is larger than {self._max_bytes} bytes"
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport so that a response body over `max_bytes` raises UpstreamTooLargeError."""

    def __init__(self, inner: httpx.AsyncBaseTransport, max_bytes: int) -> None:
        self._inner = inner
        self._max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(response.stream, self._max_bytes)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def build_http_client(
    settings: Settings, *, resolver: Resolver = system_resolver
) -> httpx.AsyncClient:
    """The client for one process's LLM calls; the app's lifespan (or the CLI) closes it.

    Every connection goes to an address of the endpoint's host that LLM_POLICY allows,
    resolved with `resolver` as it is made (tests stand in for DNS).
    """
    timeout = httpx.Timeout(
        connect=settings.llm_connect_timeout_s,
        read=settings.llm_read_timeout_s,
        write=settings.llm_read_timeout_s,
        pool=settings.llm_connect_timeout_s,
    )
    transport = AsyncGuardedTransport(
        LLM_POLICY,
        httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ),
        resolver=resolver,
    )
    return httpx.AsyncClient(
        transport=CappedTransport(transport, settings.llm_max_response_bytes),
        timeout=timeout,
        follow_redirects=False,
        # Proxies and .netrc from the environment would send the call (and the key) elsewhere.
        trust_env=False,
    )
