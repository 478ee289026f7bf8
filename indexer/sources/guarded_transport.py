"""httpx transports that connect only to addresses an AddressPolicy allows.

Each request's host is resolved here, every address checked, and the connection made to the
checked address itself (the URL's host is swapped for it; the Host header and, for https, the
TLS server name keep the original name, so certificates are still verified against it). There
is no second lookup for DNS to answer differently (rebinding). Redirects are not followed here:
a client follows them one hop at a time, and each hop comes back through this check.

`GuardedTransport` serves the feed fetcher (blocking httpx); `AsyncGuardedTransport` the same
check for asyncio clients (the service's LLM calls).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from indexer.sources.address_policy import (
    AddressPolicy,
    IPAddress,
    Resolver,
    literal_address,
    system_resolver,
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_addresses(
    policy: AddressPolicy, request: httpx.Request, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """The addresses to connect to for `request`, every one allowed by `policy`.

    Raises AddressRefusedError for a refused address, httpx.ConnectError for a name that does
    not resolve.
    """
    url = request.url
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
    try:
        return policy.resolve_checked(url.host, port, resolver)
    except OSError as exc:  # the name does not resolve
        raise httpx.ConnectError(f"cannot resolve {url.host}: {exc}", request=request) from exc


def pinned(request: httpx.Request, address: IPAddress) -> httpx.Request:
    """`request` sent to `address`, still naming its host (Host header, TLS server name)."""
    extensions: dict[str, Any] = dict(request.extensions)
    if request.url.scheme == "https":
        extensions.setdefault("sni_hostname", request.url.host)
    return httpx.Request(
        request.method,
        request.url.copy_with(host=str(address)),
        headers=request.headers,  # Host: the name asked for, set when it was built
        stream=request.stream,
        extensions=extensions,
    )


class GuardedTransport(httpx.BaseTransport):
    """Wraps `inner` (a plain httpx.HTTPTransport by default) with the policy check."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        inner: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._policy = policy
        self._inner = inner or httpx.HTTPTransport()
        self._resolver = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        error: httpx.ConnectError | None = None
        for address in checked_addresses(self._policy, request, self._resolver):
            try:
                return self._inner.handle_request(pinned(request, address))
            except httpx.ConnectError as exc:  # the next checked address, as a browser would
                error = exc
        assert error is not None
        raise error

    def close(self) -> None:
        self._inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """The same check in front of an asyncio transport; DNS runs in a worker thread."""

    def __init__(
        self,
        policy: AddressPolicy,
        inner: httpx.AsyncBaseTransport,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._policy = policy
        self._inner = inner
        self._resolver = resolver

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if literal_address(request.url.host) is not None:  # no DNS: no thread
            addresses = checked_addresses(self._policy, request, self._resolver)
        else:
            addresses = await asyncio.to_thread(
                checked_addresses, self._policy, request, self._resolver
            )
        error: httpx.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.handle_async_request(pinned(request, address))
            except httpx.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def aclose(self) -> None:
        await self._inner.aclose()


def guarded_client(
    policy: AddressPolicy, *, timeout: float, resolver: Resolver = system_resolver
) -> httpx.Client:
    """A client that reaches only what `policy` allows and follows no redirect by itself."""
    return httpx.Client(
        transport=GuardedTransport(policy, resolver=resolver),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment would connect where it likes
    )


__all__ = ["AsyncGuardedTransport", "GuardedTransport", "guarded_client"]
