"""Which addresses an outbound fetch may reach: public ones, plus what a caller allows.

A feed URL, or a redirect from an outside host, must not reach the machine's own services
(loopback), the cloud's metadata endpoint (169.254.169.254, fd00:ec2::254), the local network or
odd spellings of any of them (0x7f000001, 2130706433, 0177.0.0.1, ::ffff:127.0.0.1). The host is
resolved once, every address it resolves to is checked, and the caller connects to a checked
address (`indexer.sources.guarded_transport`), so DNS cannot answer differently in between.

Kinds a policy may allow: "loopback" and "private" (intranet feeds, a local LLM server).
Link-local, cloud metadata, multicast, unspecified and reserved addresses are never allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to, in the resolver's order.
Resolver = Callable[[str, int], Sequence[str]]

ALLOWABLE = frozenset({"loopback", "private"})
# Instance metadata services answer with credentials; no setting reaches them.
METADATA = frozenset(
    ipaddress.ip_address(text)
    for text in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "192.0.0.192",
    )
)
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # "1" or "0.0.0.1" reach this host on Linux
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: someone's private network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefusedError(ValueError):
    """A host resolves to an address the policy refuses; the message names both."""

    def __init__(self, host: str, address: IPAddress, kind: str, hint: str = "") -> None:
        self.host, self.address, self.kind = host, address, kind
        named = host if host == str(address) else f"{host} ({address})"
        article = "an" if kind[0] in "aeiou" else "a"
        super().__init__(
            f"refused to connect to {named}: {article} {kind} address"
            + (f"; {hint}" if hint else "")
        )


def address_kind(address: IPAddress) -> str:
    """ "public", or the kind of non-public address this is (an embedded IPv4 counts as itself)."""
    address = _embedded_ipv4(address) or address
    if address in METADATA:
        return "cloud metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified or (address.version == 4 and address in _THIS_NETWORK):
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private or (address.version == 4 and address in _SHARED):
        return "private"
    return "public" if address.is_global else "reserved"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside ::ffff:a.b.c.d, 6to4 (2002::/16) or NAT64 (64:ff9b::/96)."""
    if address.version == 4:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses getaddrinfo gives for host (TCP), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve(host: str, port: int, resolver: Resolver = system_resolver) -> list[IPAddress]:
    """Every address `host` stands for, without repeats; literals (odd spellings too) need no DNS.

    Raises OSError (socket.gaierror) where the name does not resolve.
    """
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    found: dict[IPAddress, None] = {}
    for text in resolver(host, port):
        found.setdefault(ipaddress.ip_address(text.split("%", 1)[0]), None)  # drop a zone id
    if not found:
        raise socket.gaierror(f"{host} resolved to no address")
    return list(found)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as one stands for (any spelling the C library takes), else
    None for a name that needs DNS."""
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # What the C library also accepts as IPv4: 0x7f000001, 2130706433, 0177.0.0.1, 127.1.
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus the kinds in `allow` ("loopback", "private").

    `hint` ends each refusal's message, e.g. the setting that would allow it.
    """

    allow: frozenset[str] = frozenset()
    hint: str = ""

    def __post_init__(self) -> None:
        if not self.allow <= ALLOWABLE:
            raise ValueError(
                f"only {sorted(ALLOWABLE)} can be allowed. Currently, allow is {sorted(self.allow)}"
            )

    def check(self, host: str, addresses: Sequence[IPAddress]) -> None:
        """Raises AddressRefusedError unless every address is public or of an allowed kind."""
        for address in addresses:
            kind = address_kind(address)
            if kind != "public" and kind not in self.allow:
                hint = self.hint if kind in ALLOWABLE else ""
                raise AddressRefusedError(host, address, kind, hint)

    def resolve_checked(
        self, host: str, port: int, resolver: Resolver = system_resolver
    ) -> list[IPAddress]:
        """`host`'s addresses, once each checked; connect to these, never to the name."""
        addresses = resolve(host, port, resolver)
        self.check(host, addresses)
        return addresses
