"""The shared vocabulary: articles, chunks, ingestion problems and search filters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Article:
    """One cleaned news article. `text` keeps paragraphs, separated by blank lines."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: date | None = None
    author: str | None = None
    # True where `text` holds only selected sentences of the original article.
    partial: bool = False
    # Where it came from, for error messages and `status`: "path" or "path:line".
    origin: str | None = None

    @property
    def content_hash(self) -> str:
        """sha256 of everything that changes what gets indexed; drives incremental updates."""
        digest = hashlib.sha256()
        for part in (self.title, self.source, self.url, self.author, self.text):
            digest.update((part or "").encode("utf-8"))
            digest.update(b"\x1f")
        digest.update((self.published_at.isoformat() if self.published_at else "").encode())
        digest.update(b"\x1f1" if self.partial else b"\x1f0")
        return digest.hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A token-budgeted run of whole sentences; `article.text[start:end] == text`."""

    id: str  # f"{article_id}#{ordinal}"
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    token_count: int
    # Travel with the chunk so that a search hit can be cited without another lookup.
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: date | None = None
    # The sentence analysis stored with the chunk (indexer.text.analysis.encode), where the index
    # has one; derived from `text`, so it takes no part in equality.
    analysis: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class IngestProblem:
    """A skipped input, reported with where it was and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class SearchFilters:
    """Exact filters, applied on both the keyword and the dense leg."""

    sources: tuple[str, ...] = ()
    published_after: date | None = None  # inclusive
    published_before: date | None = None  # inclusive

    @property
    def is_empty(self) -> bool:
        return not self.sources and self.published_after is None and self.published_before is None


@dataclass(frozen=True)
class OutletSummary:
    """How much of one outlet an index holds, and how fresh it is."""

    name: str | None  # None: the indexed articles that name no outlet
    articles: int
    newest_published_at: date | None  # None where none of them is dated
    oldest_published_at: date | None


@dataclass(frozen=True, slots=True)
class ChunkRef:
    """What ranking needs of a chunk before its text: its id, article, outlet and date.

    Search legs return these so that only the chunks that survive fusion are read in full.
    """

    position: int  # the chunk's place in its generation (its vector's position)
    id: str
    article_id: str
    source: str | None = None
    published_at: date | None = None


@dataclass(frozen=True, slots=True)
class ScoredRef:
    """A chunk reference with the score one retrieval leg gave it (higher is better)."""

    ref: ChunkRef
    score: float


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk with the score one retrieval leg gave it (higher is better)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class IngestReport:
    """What one ingestion pass read and skipped."""

    articles: tuple[Article, ...] = ()
    problems: tuple[IngestProblem, ...] = field(default_factory=tuple)
