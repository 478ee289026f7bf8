"""The LLM endpoint's base URL, checked before any request goes out.

http(s) only, no credentials inside the URL, and never a link-local or cloud-metadata address
(169.254.0.0/16, fe80::/10, 169.254.169.254, fd00:ec2::254), whether written as a literal or
reached through a host name; loopback is allowed, so a local Ollama or vLLM works. Redirects are
never followed (service/generative/transport.py), so an allowed host cannot bounce a request
elsewhere. Small and self-contained on purpose: a general outbound-address policy will take it over.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
# Instance metadata services: AWS/GCP/Azure (inside the link-local range) and AWS over IPv6.
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


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
    literal = _literal_address(parts.hostname)
    if literal is not None:
        check_address(literal, shown)
    del port
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def check_address(address: IPAddress, shown: str) -> None:
    """Refuses link-local and metadata addresses (IPv4-mapped IPv6 forms included)."""
    plain = address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        plain = address.ipv4_mapped
    if plain in _METADATA:
        raise EndpointRefusedError(f"LLM base URL {shown!r} is a cloud metadata address")
    if any(plain in network for network in _LINK_LOCAL if network.version == plain.version):
        raise EndpointRefusedError(f"LLM base URL {shown!r} is a link-local address ({plain})")


async def check_resolved(url: str) -> None:
    """Refuses a host name that resolves to a refused address (checked once, at start-up).

    A name that does not resolve now is logged, not refused: the endpoint may come up later,
    and requests to it fail over to extractive answers meanwhile.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _literal_address(host) is not None:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        log.warning("LLM endpoint host %r does not resolve now (%s)", host, exc)
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        check_address(address, _without_credentials(url))


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
