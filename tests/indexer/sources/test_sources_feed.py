"""RSS/Atom feeds from files and from a real HTTP server on 127.0.0.1 (uvicorn)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from indexer.sources.read import read_sources
from indexer.types import IngestReport

FEEDS = Path(__file__).parent / "fixtures" / "mixed" / "feeds"
RSS = (FEEDS / "lab.rss").read_bytes()
Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _feed_app(scope: Scope, receive: Any, send: Send) -> None:
    """Routes for every case the fetcher must handle."""
    path = scope["path"]
    xml = [(b"content-type", b"application/rss+xml")]
    if path == "/feed.xml":
        await _respond(send, 200, RSS, xml)
    elif path == "/page.html":
        await _respond(send, 200, b"<html><body><p>Not a feed.</p></body></html>", [])
    elif path == "/declared-big.xml":
        # Says it is big up front: refused before reading the body.
        await _respond(send, 200, b"x" * 5000, [*xml, (b"content-length", b"5000")])
    elif path == "/chunked-big.xml":
        # No length header: the reader must stop itself once past the limit.
        await send({"type": "http.response.start", "status": 200, "headers": xml})
        for _ in range(64):
            await send({"type": "http.response.body", "body": b"y" * 1024, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/slow.xml":
        await asyncio.sleep(2.0)
        await _respond(send, 200, RSS, xml)
    elif path == "/drip.xml":
        # Each read is quick, but the whole body takes far longer than the timeout.
        await send({"type": "http.response.start", "status": 200, "headers": xml})
        for _ in range(40):
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b""})
    else:
        await _respond(send, 404, b"not found", [])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def feed_server() -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1, in a thread, for this module's tests."""
    config = uvicorn.Config(
        _feed_app,
        host="127.0.0.1",
        port=_free_port(),
        lifespan="off",
        ws="none",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "feed server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join(timeout=10)


def _problem(report: IngestReport) -> str:
    assert report.articles == ()
    assert len(report.problems) == 1, report.problems
    return report.problems[0].reason


def test_rss_file_entries_become_articles() -> None:
    report = read_sources([FEEDS / "lab.rss"])
    assert report.problems == ()
    first, second = report.articles
    assert first.title == "Gripper learns to peel fruit"
    assert first.source == "Robotics Digest"
    assert first.url == "https://digest.example/peel"
    assert first.published_at == date(2025, 5, 6)
    assert first.author == "Noa Reyes"
    # HTML in the description becomes paragraphs of plain text.
    assert first.text == (
        "A soft gripper peeled oranges without tearing the fruit.\n\nThe team used tactile sensors."
    )
    assert second.text == "Forty drones planted seed pods across a burned hillside."
    assert first.id.startswith("url-") and first.id != second.id


def test_atom_date_is_the_date_as_written() -> None:
    (article,) = read_sources([FEEDS / "lab.atom"]).articles
    # 23:30 at UTC-4 is the next day in UTC; the article says the 8th.
    assert article.published_at == date(2025, 5, 8)
    assert (article.author, article.source) == ("Kai Moreau", "Compute Weekly")


def test_feed_entries_without_text_or_with_bad_dates_are_reported(tmp_path: Path) -> None:
    feed = tmp_path / "bad.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Empty</title><link>https://t.example/1</link></item>"
        "<item><title>Odd date</title><link>https://t.example/2</link>"
        "<pubDate>sometime in spring</pubDate><description>Body text.</description></item>"
        "<item><title>Good</title><link>https://t.example/3</link>"
        "<description>Good body.</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    report = read_sources([feed])
    assert [a.title for a in report.articles] == ["Good"]
    reasons = [p.reason for p in report.problems]
    assert reasons[0].startswith("entry 1 ('Empty'): missing or empty text")
    assert reasons[1].startswith("entry 2 ('Odd date'): unparseable published date")
    assert "'sometime in spring'" in reasons[1]


def test_feed_url_is_fetched(feed_server: str) -> None:
    report = read_sources([f"{feed_server}/feed.xml"], feed_allow_private=True)
    assert report.problems == ()
    assert [a.title for a in report.articles] == [
        "Gripper learns to peel fruit",
        "Drone swarm plants trees",
    ]
    assert report.articles[0].origin == f"{feed_server}/feed.xml#1"


def test_a_given_client_is_used_and_left_open(feed_server: str) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    with httpx.Client(event_hooks={"request": [record]}) as client:
        report = read_sources([f"{feed_server}/feed.xml"], client=client)
        assert len(report.articles) == 2
        assert seen == [f"{feed_server}/feed.xml"]
        assert not client.is_closed


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/missing.xml", "HTTP 404 Not Found"),
        ("/page.html", "not a readable RSS/Atom feed"),
        ("/declared-big.xml", "feed is 5000 bytes, over the limit of 4000"),
        ("/chunked-big.xml", "over the limit of 4000 bytes; stopped reading"),
    ],
)
def test_bad_feed_urls_are_reported(feed_server: str, path: str, expected: str) -> None:
    url = f"{feed_server}{path}"
    report = read_sources([url], feed_max_bytes=4000, feed_allow_private=True)
    assert expected in _problem(report)
    assert report.problems[0].path == url


@pytest.mark.parametrize("path", ["/slow.xml", "/drip.xml"])
def test_slow_feeds_time_out(feed_server: str, path: str) -> None:
    # The server needs 2 s for either; the message proves the reader gave up first.
    report = read_sources([f"{feed_server}{path}"], feed_timeout_s=0.3, feed_allow_private=True)
    assert "timed out after 0.3s" in _problem(report)


def test_unreachable_host_is_reported() -> None:
    url = f"http://127.0.0.1:{_free_port()}/feed.xml"
    reason = _problem(read_sources([url], feed_allow_private=True))
    assert reason.startswith("fetch failed: ConnectError")


def test_bad_url_does_not_stop_the_other_inputs(feed_server: str) -> None:
    report = read_sources(
        [f"{feed_server}/missing.xml", FEEDS / "lab.atom"], feed_allow_private=True
    )
    assert len(report.articles) == 1 and len(report.problems) == 1
