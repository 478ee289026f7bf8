"""Shared helpers of the source readers: ids, dates, decoding, and building a clean Article."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from indexer.text.cleaning import clean_inline, clean_text
from indexer.types import Article, IngestProblem

# What a reader yields: an article with the line it came from, or a skipped input.
Record = tuple[Article, int | None] | IngestProblem
Records = Iterator[Record]

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class SkipInput(Exception):
    """One input that cannot become an article; the reader turns it into an IngestProblem."""


def normalise_url(url: str) -> str:
    """Scheme and host lower-cased, utm_* parameters and the fragment dropped."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def derive_article_id(url: str | None, text: str) -> str:
    """A stable id: "url-<sha1 16>" of the normalised url, else "sha-<sha1 16>" of the text."""
    if url and url.strip():
        return "url-" + hashlib.sha1(normalise_url(url).encode()).hexdigest()[:16]
    return "sha-" + hashlib.sha1(text.encode()).hexdigest()[:16]


def parse_date(value: object, field: str = "published_at") -> date | None:
    """An ISO 8601 date or datetime (str, date or datetime) to its date; None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise SkipInput(f"unparseable {field} {value!r} (expected an ISO 8601 date or datetime)")


def decode_text(data: bytes, encoding: str = "utf-8") -> str:
    """Strict decoding (a BOM wins); the error names the bad byte and its offset."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise SkipInput(f"unknown text encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise SkipInput(f"not valid {encoding} text (byte 0x{bad} at offset {exc.start})") from exc


def declared_charset(html: bytes) -> str:
    """The charset an HTML document declares in its first 4 KiB, else utf-8."""
    match = _META_CHARSET.search(html[:4096])
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def optional_str(value: object, field: str) -> str | None:
    """A metadata field that must be a string or missing."""
    if value is None or isinstance(value, str):
        return value
    raise SkipInput(f"field {field!r} must be a string or null, got {type(value).__name__}")


def make_article(
    *,
    text: object,
    origin: str,
    id: object = None,
    title: object = None,
    source: object = None,
    url: object = None,
    published_at: object = None,
    author: object = None,
    partial: object = False,
) -> Article:
    """Validate and clean one input into an Article, or raise SkipInput saying what is wrong."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise SkipInput("missing or empty text")
    if not isinstance(text, str):
        raise SkipInput(f"field 'text' must be a string, got {type(text).__name__}")
    if isinstance(id, int) and not isinstance(id, bool):
        id = str(id)  # YAML reads `id: 123` as an int
    given_id = optional_str(id, "id")
    if given_id is not None and not given_id.strip():
        raise SkipInput("field 'id' is empty")
    if partial is None:
        partial = False
    if not isinstance(partial, bool):
        raise SkipInput(f"field 'partial' must be true or false, got {partial!r}")
    if isinstance(author, list) and all(isinstance(name, str) for name in author):
        author = ", ".join(author)  # front matter often lists several authors
    day = parse_date(published_at)
    clean_url = (optional_str(url, "url") or "").strip() or None
    cleaned = clean_text(text)
    if not cleaned:
        raise SkipInput("text is empty after cleaning (only boilerplate or whitespace)")
    return Article(
        id=given_id.strip() if given_id else derive_article_id(clean_url, cleaned),
        text=cleaned,
        title=clean_inline(optional_str(title, "title")),
        source=clean_inline(optional_str(source, "source")),
        url=clean_url,
        published_at=day,
        author=clean_inline(optional_str(author, "author")),
        partial=partial,
        origin=origin,
    )


def problem(path: str, line: int | None, exc: SkipInput) -> IngestProblem:
    """The IngestProblem for a skipped input."""
    return IngestProblem(path=path, line=line, reason=str(exc))
