"""Read articles from files, folders and feed URLs; bad inputs become IngestProblems.

Articles come out cleaned (`indexer.text.cleaning`), with stable ids, in a deterministic order:
paths in the order given, folders walked recursively in sorted order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from indexer.errors import IngestError
from indexer.sources.address_policy import AddressPolicy
from indexer.sources.common import Records, SkipInput, derive_article_id, problem
from indexer.sources.feed import fetch_feed, read_feed
from indexer.sources.guarded_transport import guarded_client
from indexer.sources.html import read_html
from indexer.sources.jsonl import read_jsonl
from indexer.sources.markdown import read_markdown
from indexer.types import Article, IngestProblem, IngestReport

__all__ = ["SUFFIXES", "derive_article_id", "iter_sources", "read_sources"]

SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}
_SNIFF_BYTES = 8192
_ALLOW_HINT = "set NEWSQA_FEED_ALLOW_PRIVATE=true to fetch feeds from this network"
FEED_POLICY = AddressPolicy(hint=_ALLOW_HINT)
FEED_POLICY_WITH_PRIVATE = AddressPolicy(allow=frozenset({"loopback", "private"}))


def _is_url(path: str | Path) -> bool:
    return isinstance(path, str) and path.lower().startswith(("http://", "https://"))


def _expand(paths: Sequence[str | Path]) -> list[str | Path]:
    """URLs and files in reading order; raises IngestError for a path that does not exist."""
    inputs: list[str | Path] = []
    seen: set[Path] = set()
    for given in paths:
        if _is_url(given):
            inputs.append(str(given))
            continue
        path = Path(given)
        if not path.exists():
            raise IngestError(f"input path does not exist: {given}")
        if path.is_dir():
            # Hidden files and folders (.git, .DS_Store) are not inputs.
            files = sorted(
                (p for p in path.rglob("*") if p.is_file()),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            files = [
                p
                for p in files
                if not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
        else:
            files = [path]
        for file in files:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                inputs.append(file)
    return inputs


def _read_file(path: Path, feed_min_chars: int = 0) -> Records:
    where = str(path)
    kind = SUFFIXES.get(path.suffix.lower())
    try:
        if kind is None:
            known = ", ".join(sorted(SUFFIXES))
            raise SkipInput(f"unknown file extension {path.suffix or '(none)'!r} (known: {known})")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SkipInput(f"cannot read file: {exc.strerror or exc}") from exc
        if not data.strip():
            raise SkipInput("empty file")
        if b"\x00" in data[:_SNIFF_BYTES]:
            raise SkipInput("binary file (contains NUL bytes), not text")
    except SkipInput as exc:
        yield problem(where, None, exc)
        return
    if kind == "jsonl":
        yield from read_jsonl(where, data)
    elif kind == "html":
        yield from read_html(where, data)
    elif kind == "feed":
        yield from read_feed(where, data, min_chars=feed_min_chars)
    else:
        yield from read_markdown(where, data, is_markdown=kind == "markdown")


def iter_sources(
    paths: Sequence[str | Path],
    *,
    feed_timeout_s: float = 10.0,
    feed_max_bytes: int = 10_000_000,
    feed_min_chars: int = 0,
    feed_allow_private: bool = False,
    client: httpx.Client | None = None,
) -> Iterator[Article | IngestProblem]:
    """Stream cleaned articles and problems; a later article with a seen id is a problem.

    Feed URLs are fetched through a client that reaches public addresses only (loopback and
    private ones too with `feed_allow_private`); a given `client` is used as it is.
    """
    inputs = _expand(paths)
    seen: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if client is None and any(isinstance(item, str) for item in inputs):
            policy = FEED_POLICY_WITH_PRIVATE if feed_allow_private else FEED_POLICY
            client = stack.enter_context(guarded_client(policy, timeout=feed_timeout_s))
        for item in inputs:
            if isinstance(item, str):
                assert client is not None
                try:
                    data = fetch_feed(
                        item, client, timeout_s=feed_timeout_s, max_bytes=feed_max_bytes
                    )
                except SkipInput as exc:
                    yield problem(item, None, exc)
                    continue
                records = read_feed(item, data, min_chars=feed_min_chars)
            else:
                records = _read_file(item, feed_min_chars)
            for record in records:
                if isinstance(record, IngestProblem):
                    yield record
                    continue
                article, line = record
                first = seen.setdefault(article.id, article.origin or "")
                if first != (article.origin or ""):
                    reason = f"duplicate article id {article.id!r} (first read from {first})"
                    yield IngestProblem(path=str(item), line=line, reason=reason)
                    continue
                yield article


def read_sources(
    paths: Sequence[str | Path],
    *,
    feed_timeout_s: float = 10.0,
    feed_max_bytes: int = 10_000_000,
    feed_min_chars: int = 0,
    feed_allow_private: bool = False,
    client: httpx.Client | None = None,
) -> IngestReport:
    """Read every path (file, folder, or feed URL) into one report of articles and problems."""
    articles: list[Article] = []
    problems: list[IngestProblem] = []
    for record in iter_sources(
        paths,
        feed_timeout_s=feed_timeout_s,
        feed_max_bytes=feed_max_bytes,
        feed_min_chars=feed_min_chars,
        feed_allow_private=feed_allow_private,
        client=client,
    ):
        if isinstance(record, IngestProblem):
            problems.append(record)
        else:
            articles.append(record)
    return IngestReport(articles=tuple(articles), problems=tuple(problems))
