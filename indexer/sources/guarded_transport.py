"""An httpx transport that connects only to addresses an AddressPolicy allows.

Each request's host is resolved here, every address checked, and the connection made to the
checked address itself (the URL's host is swapped for it; the Host header and, for https, the
TLS server name keep the original name, so certificates are still verified against it). There
is no second lookup for DNS to answer differently (rebinding). Redirects are not followed here:
a client follows them one hop at a time, and each hop comes back through this check.
"""

from __future__ import annotations

from typing import Any

import httpx

from indexer.sources.address_policy import AddressPolicy, Resolver, system_resolver

_DEFAULT_PORTS = {"http": 80, "https": 443}


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
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
        try:
            addresses = self._policy.resolve_checked(url.host, port, self._resolver)
        except OSError as exc:  # the name does not resolve
            raise httpx.ConnectError(f"cannot resolve {url.host}: {exc}", request=request) from exc
        extensions: dict[str, Any] = dict(request.extensions)
        if url.scheme == "https":
            extensions.setdefault("sni_hostname", url.host)
        error: httpx.ConnectError | None = None
        for address in addresses:
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=str(address)),
                headers=request.headers,  # Host: the name asked for, set when it was built
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self._inner.handle_request(pinned)
            except httpx.ConnectError as exc:  # the next checked address, as a browser would
                error = exc
        assert error is not None
        raise error

    def close(self) -> None:
        self._inner.close()


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


__all__ = ["GuardedTransport", "guarded_client"]
