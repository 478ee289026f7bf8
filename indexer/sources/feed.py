"""RSS/Atom feeds, from a file or fetched over http(s) with a timeout and a size limit."""

from __future__ import annotations

import contextlib
import email.utils
import io
import time
from datetime import date
from typing import Any

import feedparser
import httpx

from indexer.sources.address_policy import AddressRefusedError
from indexer.sources.common import Records, SkipInput, make_article, parse_date, problem
from indexer.sources.html import fragment_to_text

MAX_REDIRECTS = 5


def fetch_feed(url: str, client: httpx.Client, *, timeout_s: float, max_bytes: int) -> bytes:
    """The feed's bytes; streamed, and abandoned past max_bytes or timeout_s in all.

    Redirects are followed here, one hop at a time (at most MAX_REDIRECTS), so that each hop
    meets the client's address policy (guarded_transport.py) and a refusal names the hop.
    """
    deadline = time.monotonic() + timeout_s
    try:
        request = client.build_request("GET", url, timeout=timeout_s)
        for hop in range(MAX_REDIRECTS + 1):
            try:
                response = client.send(request, stream=True, follow_redirects=False)
            except AddressRefusedError as exc:
                where = f"redirect {hop} to {request.url}" if hop else "fetch"
                raise SkipInput(f"{where} refused: {exc}") from exc
            with contextlib.closing(response):
                if response.next_request is None:
                    return _read_body(response, deadline, max_bytes)
                request = response.next_request
        raise SkipInput(f"more than {MAX_REDIRECTS} redirects; stopped at {request.url}")
    except httpx.TimeoutException as exc:
        raise SkipInput(f"fetch timed out after {timeout_s:g}s") from exc
    except httpx.InvalidURL as exc:
        raise SkipInput(f"invalid feed URL: {exc}") from exc
    except httpx.HTTPError as exc:
        raise SkipInput(f"fetch failed: {type(exc).__name__}: {exc}") from exc


def _read_body(response: httpx.Response, deadline: float, max_bytes: int) -> bytes:
    if not response.is_success:
        raise SkipInput(f"HTTP {response.status_code} {response.reason_phrase}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SkipInput(f"feed is {declared} bytes, over the limit of {max_bytes}")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise SkipInput(f"feed is over the limit of {max_bytes} bytes; stopped reading")
        # httpx's timeout bounds each read; this bounds a server that drips bytes.
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("overall deadline passed")
    return bytes(body)


def _entry_text(entry: Any) -> str:
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    html = max(contents, key=len) if contents else entry.get("summary", "")
    return fragment_to_text(html)


def _author(raw: str | None) -> str | None:
    """The name from RSS's "email (Name)" form (feedparser's own split garbles it)."""
    if raw and "@" in raw:
        return email.utils.parseaddr(raw)[0] or raw
    return raw


def _entry_date(entry: Any) -> date | None:
    """The date as the feed wrote it (feedparser's parsed form is shifted to UTC)."""
    for key in ("published", "updated"):
        raw = entry.get(key)
        if not raw:
            continue
        with contextlib.suppress(TypeError, ValueError):
            return email.utils.parsedate_to_datetime(raw).date()  # RSS: RFC 822
        with contextlib.suppress(SkipInput):
            return parse_date(raw, key)  # Atom: ISO 8601
        parsed = entry.get(f"{key}_parsed")  # other forms feedparser understands
        if parsed:
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        raise SkipInput(f"unparseable {key} date {raw!r}")
    return None


def read_feed(where: str, data: bytes, *, min_chars: int = 0) -> Records:
    """One article per entry; an entry that cannot be read, or whose text is shorter than
    `min_chars` once cleaned (a teaser, a junk entry), is reported and skipped."""
    # A stream, never a str: feedparser would treat a str as a URL or a file name.
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        yield problem(where, None, SkipInput(f"not a readable RSS/Atom feed: {reason}"))
        return
    source = parsed.feed.get("title")
    for number, entry in enumerate(parsed.entries, start=1):
        title = entry.get("title")
        try:
            detail = entry.get("title_detail") or {}
            if title and "html" in str(detail.get("type", "")):
                title = fragment_to_text(title)
            article = make_article(
                text=_entry_text(entry),
                origin=f"{where}#{number}",
                title=title,
                source=source,
                url=entry.get("link"),
                published_at=_entry_date(entry),
                author=_author(entry.get("author")),
            )
            if len(article.text) < min_chars:
                raise SkipInput(
                    f"text is {len(article.text)} characters, under the minimum of {min_chars}"
                )
        except SkipInput as exc:
            label = f"entry {number}" + (f" ({title!r})" if title else "")
            yield problem(where, None, SkipInput(f"{label}: {exc}"))
            continue
        yield article, None
