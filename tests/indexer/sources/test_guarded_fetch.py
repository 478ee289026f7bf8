"""Feed fetching through the address policy, against a real HTTP server on 127.0.0.1.

The server counts what reaches it, so a refusal is shown to happen before any connection.
Names other than 127.0.0.1 come from a resolver the test hands in; nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from indexer.config import IndexConfig
from indexer.sources.address_policy import AddressPolicy
from indexer.sources.common import SkipInput
from indexer.sources.feed import MAX_REDIRECTS, fetch_feed
from indexer.sources.guarded_transport import guarded_client
from indexer.sources.read import read_sources
from service.config import Settings
from tests.service.http.test_app_support import running_server

FEEDS = Path(__file__).parent / "fixtures" / "mixed" / "feeds"
RSS = (FEEDS / "lab.rss").read_bytes()
LOOPBACK = AddressPolicy(allow=frozenset({"loopback"}))
seen_hosts: list[str] = []


def _feed_server() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {}

    @app.get("/feed.xml")
    def feed(request: Request) -> Response:
        seen_hosts.append(request.headers["host"])
        return Response(RSS, media_type="application/rss+xml")

    @app.get("/to")
    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=302)

    @app.get("/loop/{hops}")
    def loop(hops: int) -> RedirectResponse:
        return RedirectResponse(f"/loop/{hops + 1}", status_code=301)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(_feed_server()) as url:
        yield url


@pytest.fixture(autouse=True)
def _forget_hosts() -> None:
    seen_hosts.clear()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _fetch(url: str, policy: AddressPolicy = LOOPBACK, **kwargs: object) -> bytes:
    with guarded_client(policy, timeout=5, **kwargs) as client:  # type: ignore[arg-type]
        return fetch_feed(url, client, timeout_s=5, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]", "localhost"]
)
def test_loopback_feeds_are_refused_by_default_in_every_spelling(server: str, host: str) -> None:
    url = f"http://{host}:{_port(server)}/feed.xml"
    report = read_sources([url])
    (problem,) = report.problems
    assert "refused to connect to" in problem.reason and "loopback" in problem.reason
    assert "NEWSQA_FEED_ALLOW_PRIVATE=true" in problem.reason
    assert report.articles == () and seen_hosts == []


def test_a_spelling_httpx_cannot_parse_is_reported_not_raised(server: str) -> None:
    report = read_sources([f"http://0177.0.0.1:{_port(server)}/feed.xml"])
    assert "invalid feed URL" in report.problems[0].reason
    assert seen_hosts == []


def test_allowing_private_fetches_from_loopback_whatever_the_spelling(server: str) -> None:
    url = f"http://0x7f000001:{_port(server)}/feed.xml"
    report = read_sources([url], feed_allow_private=True)
    assert report.problems == () and len(report.articles) == 2
    assert seen_hosts == [f"0x7f000001:{_port(server)}"]  # the Host header is the URL's


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(server: str) -> None:
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        # A hostile DNS server: harmless the first time, the metadata service afterwards.
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["169.254.169.254"]

    url = f"http://feeds.example.test:{_port(server)}/feed.xml"
    assert _fetch(url, resolver=rebinding) == RSS
    assert calls == ["feeds.example.test"]  # looked up once; httpx connected to the answer
    assert seen_hosts == [f"feeds.example.test:{_port(server)}"]
    with pytest.raises(SkipInput, match=r"feeds.example.test \(169.254.169.254\).*metadata"):
        _fetch(url, resolver=rebinding)  # the next connection is checked again


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
        ("http://10.0.0.1/feed.xml", "private"),
        ("http://0x0a000001/feed.xml", "private"),
        ("http://[fe80::1]/feed.xml", "link-local"),
    ],
)
def test_each_redirect_hop_is_checked(server: str, target: str, kind: str) -> None:
    with pytest.raises(SkipInput) as info:
        _fetch(f"{server}/to?url={target}")
    assert str(info.value).startswith("redirect 1 to http://")
    assert f"a {kind} address" in str(info.value) or f"an {kind} address" in str(info.value)


def test_an_allowed_redirect_is_followed(server: str) -> None:
    assert _fetch(f"{server}/to?url=/feed.xml") == RSS


def test_redirects_stop_after_the_hop_limit(server: str) -> None:
    with pytest.raises(SkipInput, match=f"more than {MAX_REDIRECTS} redirects"):
        _fetch(f"{server}/loop/0")


def test_a_redirect_to_another_scheme_is_refused(server: str) -> None:
    with pytest.raises(SkipInput, match="fetch failed"):
        _fetch(f"{server}/to?url=file:///etc/passwd")


def test_short_feed_entries_are_skipped_and_reported(tmp_path: Path) -> None:
    long_text = "The committee approved the new research budget after a long debate. " * 4
    feed = tmp_path / "short.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Junk</title><link>https://t.example/1</link><description>ok</description>"
        f"</item><item><title>Real</title><link>https://t.example/2</link><description>{long_text}"
        "</description></item></channel></rss>",
        encoding="utf-8",
    )
    report = read_sources([feed], feed_min_chars=IndexConfig().feed_min_chars)
    assert [article.title for article in report.articles] == ["Real"]
    (problem,) = report.problems
    assert problem.reason == "entry 1 ('Junk'): text is 2 characters, under the minimum of 200"


def test_feed_settings_reach_the_indexer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        Settings().index_config().feed_min_chars,
        Settings().index_config().feed_allow_private,
    ) == (200, False)
    monkeypatch.setenv("NEWSQA_FEED_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("NEWSQA_FEED_MIN_CHARS", "50")
    config = Settings().index_config()
    assert (config.feed_min_chars, config.feed_allow_private) == (50, True)
