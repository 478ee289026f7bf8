"""What retrieval and reading hand to the HTTP layer, the CLI and eval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from indexer.types import Chunk, SearchFilters

RetrievalMode = Literal["hybrid", "keyword", "dense"]
AnswerMode = Literal["auto", "extractive", "generative"]
# Where the reader's dense similarity comes from: the passage's cosine to the query (free: the
# dense leg computed it) or each sentence embedded with the same model (~120 ms per question).
SentenceVectors = Literal["passage", "transformer"]


class InvalidQueryError(ValueError):
    """A query the engine cannot search for (empty, top_k below 1, an unknown mode)."""


@dataclass(frozen=True)
class RetrievalHit:
    """A fused search result in rank order."""

    chunk: Chunk
    score: float
    keyword_rank: int | None = None  # 1-based rank in the keyword leg, None if absent there
    dense_rank: int | None = None
    dense_score: float | None = None  # cosine to the query, where the dense leg found it


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: `article.text[start:end]` is the answer span itself."""

    article_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None
    quote: str  # the whole sentence that holds the answer
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    text: str | None
    abstained: bool
    confidence: float  # 0..1, calibrated on the dev questions
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    mode_used: AnswerMode
    passages: tuple[RetrievalHit, ...]
    index_version: str
    took_ms: float


class Retriever(Protocol):
    def search(
        self,
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode = "hybrid",
        as_of: date | None = None,
    ) -> list[RetrievalHit]: ...


class Reader(Protocol):
    """Turns a question and ranked passages into an answer; the built-in one or a QA model."""

    def read(self, question: str, hits: Sequence[RetrievalHit]) -> Answer: ...
