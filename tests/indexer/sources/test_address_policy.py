"""Which addresses a fetch may reach: every spelling of a non-public address is caught."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from indexer.sources.address_policy import (
    AddressPolicy,
    AddressRefusedError,
    address_kind,
    resolve,
)


def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should have been read as a literal, not looked up")


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("0x7f000001", "loopback"),
        ("2130706433", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("017700000001", "loopback"),
        ("127.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("[::ffff:7f00:1]", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 around 127.0.0.1
        ("169.254.169.254", "cloud metadata"),
        ("0xa9fea9fe", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd12:3456::1", "private"),
        ("0.0.0.0", "unspecified"),
        ("0", "unspecified"),
        ("1", "unspecified"),  # 0.0.0.1: "this network"
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("93.184.216.34", "public"),
        ("2606:2800:220:1:248:1893:25c8:1946", "public"),
    ],
)
def test_every_spelling_is_read_as_the_address_it_reaches(host: str, kind: str) -> None:
    (address,) = resolve(host, 80, _no_dns)
    assert address_kind(address) == kind


def test_odd_spellings_mean_what_the_c_library_reads() -> None:
    # getaddrinfo (what a connect would use) agrees: no DNS is needed for numeric forms.
    for spelling in ("0x7f000001", "2130706433", "0177.0.0.1", "127.1"):
        infos = socket.getaddrinfo(spelling, 80, type=socket.SOCK_STREAM)
        assert {info[4][0] for info in infos} == {"127.0.0.1"}
        assert resolve(spelling, 80, _no_dns) == [ipaddress.ip_address("127.0.0.1")]


def test_public_only_by_default_and_the_message_names_host_address_and_hint() -> None:
    policy = AddressPolicy(hint="set NEWSQA_FEED_ALLOW_PRIVATE=true")
    with pytest.raises(AddressRefusedError) as info:
        policy.resolve_checked("0x7f000001", 80)
    assert str(info.value) == (
        "refused to connect to 0x7f000001 (127.0.0.1): a loopback address; "
        "set NEWSQA_FEED_ALLOW_PRIVATE=true"
    )
    assert policy.resolve_checked("93.184.216.34", 80) == [ipaddress.ip_address("93.184.216.34")]


def test_every_resolved_address_is_checked() -> None:
    def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "169.254.169.254"]

    with pytest.raises(AddressRefusedError, match=r"news.example.test \(169.254.169.254\)"):
        AddressPolicy(allow=frozenset({"loopback", "private"})).resolve_checked(
            "news.example.test", 80, mixed
        )


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "fe80::1", "224.0.0.1"])
def test_allowing_private_never_allows_link_local_or_metadata(address: str) -> None:
    policy = AddressPolicy(allow=frozenset({"loopback", "private"}), hint="HINT")
    with pytest.raises(AddressRefusedError) as info:
        policy.resolve_checked(address, 80)
    assert "HINT" not in str(info.value)  # no setting would allow it, so none is suggested


def test_a_policy_for_a_local_llm_allows_loopback_only() -> None:
    policy = AddressPolicy(allow=frozenset({"loopback"}))
    assert policy.resolve_checked("::1", 8080)
    with pytest.raises(AddressRefusedError, match="private"):
        policy.resolve_checked("192.168.0.10", 8080)


def test_link_local_cannot_be_allowed() -> None:
    with pytest.raises(ValueError, match="Currently, allow is \\['link-local'\\]"):
        AddressPolicy(allow=frozenset({"link-local"}))


def test_a_name_that_does_not_resolve_is_an_os_error() -> None:
    def nothing(host: str, port: int) -> list[str]:
        return []

    with pytest.raises(OSError, match="resolved to no address"):
        resolve("nowhere.example.test", 80, nothing)
