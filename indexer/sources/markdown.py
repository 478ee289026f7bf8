"""Markdown and plain-text files with optional YAML front matter."""

from __future__ import annotations

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.sources.common import Records, SkipInput, decode_text, make_article, problem
from indexer.sources.html import fragment_to_text

_MARKDOWN = MarkdownIt("commonmark")
_META_FIELDS = ("id", "title", "source", "url", "published_at", "author", "partial")


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(child.content)  # the alt text
        elif child.type == "softbreak":
            parts.append(" ")  # a hard-wrapped source line
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def markdown_blocks(source: str) -> list[tuple[str, str]]:
    """(kind, text) for each block: "h1".."h6" for headings, else "p"; markup removed."""
    blocks: list[tuple[str, str]] = []
    tokens = _MARKDOWN.parse(source)
    for index, token in enumerate(tokens):
        if token.type == "inline":
            opener = tokens[index - 1] if index else None
            kind = opener.tag if opener and opener.type == "heading_open" else "p"
            blocks.append((kind, _inline_text(token)))
        elif token.type in ("fence", "code_block"):
            blocks.append(("p", token.content))
        elif token.type == "html_block":
            blocks.append(("p", fragment_to_text(token.content)))
    return [(kind, text) for kind, text in blocks if text.strip()]


def read_markdown(where: str, data: bytes, *, is_markdown: bool) -> Records:
    """One article; front matter gives title/source/url/published_at/author and optionally id."""
    try:
        try:
            post = frontmatter.loads(decode_text(data))
        except yaml.YAMLError as exc:
            raise SkipInput(f"invalid YAML front matter: {exc}") from exc
        meta = dict(post.metadata)
        for name in ("title", "source", "author"):
            value = meta.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                meta[name] = str(value)  # YAML reads `title: 1984` as a number
        if meta.get("published_at") is None and "date" in meta:
            meta["published_at"] = meta["date"]  # the usual static-site name for it
        text: str = post.content
        if is_markdown:
            blocks = markdown_blocks(text)
            if blocks and blocks[0][0] == "h1":
                heading = blocks[0][1].strip()
                if not meta.get("title"):
                    meta["title"] = heading
                if str(meta["title"]).strip() == heading:
                    blocks = blocks[1:]  # the title repeated as the first heading
            text = "\n\n".join(block for _, block in blocks)
        fields = {name: meta.get(name) for name in _META_FIELDS}
        article = make_article(text=text, origin=where, **fields)
    except SkipInput as exc:
        yield problem(where, None, exc)
        return
    yield article, None
