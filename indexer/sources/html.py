"""HTML pages (main text and metadata via trafilatura) and HTML fragments (feed entries)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import trafilatura

from indexer.sources.common import (
    Records,
    SkipInput,
    declared_charset,
    decode_text,
    make_article,
    problem,
)

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset({"script", "style", "template", "noscript"})


class _TextCollector(HTMLParser):
    """Text of an HTML fragment; block elements become paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Source line breaks inside a paragraph are layout, not content.
            self.parts.append(data.replace("\n", " "))


def fragment_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment such as a feed entry's content (uncleaned)."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return "".join(collector.parts)


def read_html(where: str, data: bytes) -> Records:
    """One article from an HTML page: its main text, plus title/date/url/author when present."""
    try:
        html = decode_text(data, declared_charset(data))
        extracted = trafilatura.extract(
            html,
            output_format="json",
            with_metadata=True,
            include_comments=False,
            # Dates from the page's metadata only; a date mentioned in the body is not one.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        if not extracted:
            raise SkipInput("no main text found in the HTML page")
        meta = json.loads(extracted)
        title = meta.get("title")
        # trafilatura gives one paragraph a line; keep them as paragraphs.
        lines = [line for line in str(meta.get("text") or "").split("\n") if line.strip()]
        if title and lines and lines[0].strip() == title.strip():
            lines = lines[1:]  # the headline repeated as the first line of the body
        article = make_article(
            text="\n\n".join(lines),
            origin=where,
            title=title,
            source=meta.get("source-hostname") or meta.get("hostname"),
            url=meta.get("source"),
            published_at=meta.get("date"),
            author=meta.get("author"),
        )
    except SkipInput as exc:
        yield problem(where, None, exc)
        return
    yield article, None
