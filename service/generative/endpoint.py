"""The LLM endpoint's base URL and the addresses its calls may reach.

http(s) only, no credentials inside the URL, and only addresses the one outbound address policy
(indexer.sources.address_policy) allows with loopback and private networks let in, so a local
Ollama or vLLM works: never link-local, cloud metadata (169.254.169.254, fd00:ec2::254),
multicast, unspecified or reserved addresses, in any spelling. A literal address is checked with
the settings, a host name when the service starts and again on every connection
(`LLM_POLICY` in the transport, service/generative/transport.py), so DNS cannot later point it
elsewhere. Redirects are never followed, so an allowed host cannot bounce a request elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

from indexer.sources.address_policy import (
    AddressPolicy,
    AddressRefusedError,
    IPAddress,
    literal_address,
    resolve,
)

log = logging.getLogger(__name__)

LLM_POLICY = AddressPolicy(allow=frozenset({"loopback", "private"}))


class EndpointRefusedError(ValueError):
    """The base URL may not be called."""


def check_base_url(url: str) -> str:
    """The URL without a trailing slash, or EndpointRefusedError saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises on a port that is not a number
    except ValueError as exc:
        raise EndpointRefusedError(f"LLM base URL is not a URL: {exc}") from None
    shown = _without_credentials(parts.geturl())
    if parts.scheme not in ("http", "https"):
        raise EndpointRefusedError(f"LLM base URL must be http or https, not {shown!r}")
    if parts.username is not None or parts.password is not None:
        raise EndpointRefusedError(
            f"LLM base URL must not hold credentials ({shown!r}); set NEWSQA_LLM_API_KEY instead"
        )
    if not parts.hostname:
        raise EndpointRefusedError(f"LLM base URL has no host: {shown!r}")
    if parts.query or parts.fragment:
        raise EndpointRefusedError(f"LLM base URL must not have a query or fragment: {shown!r}")
    literal = literal_address(parts.hostname)
    if literal is not None:
        check_addresses(parts.hostname, [literal], shown)
    del port
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def check_addresses(host: str, addresses: list[IPAddress], shown: str) -> None:
    """EndpointRefusedError unless LLM_POLICY allows every address (embedded IPv4 included)."""
    try:
        LLM_POLICY.check(host, addresses)
    except AddressRefusedError as exc:
        raise EndpointRefusedError(f"LLM base URL {shown!r}: {exc}") from None


async def check_resolved(url: str) -> None:
    """Refuses a host name that resolves to a refused address now (at start-up).

    A name that does not resolve now is logged, not refused: the endpoint may come up later,
    and requests to it fail over to extractive answers meanwhile. Each connection is checked
    again (service/generative/transport.py).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if literal_address(host) is not None:
        return  # checked with the settings
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await asyncio.to_thread(resolve, host, port)
    except OSError as exc:
        log.warning("LLM endpoint host %r does not resolve now (%s)", host, exc)
        return
    check_addresses(host, addresses, _without_credentials(url))


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
