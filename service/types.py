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
    # Generative answers: the passage number [n] cited, and the answer sentence it supports.
    marker: int | None = None
    supports: str | None = None


@dataclass(frozen=True)
class Answer:
    text: str | None
    abstained: bool
    confidence: float  # 0..1, calibrated on the dev questions
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int
    counted: bool = False  # True where the endpoint reported none and tiktoken counted them


@dataclass(frozen=True)
class Grounding:
    """How well a generative answer is backed by the passages it cites."""

    grounded: bool  # at least one answer sentence has a supporting passage sentence
    unsupported_sentences: tuple[str, ...] = ()
    dropped_markers: tuple[int, ...] = ()  # [n] that named no passage, removed from the text
    removed_urls: tuple[str, ...] = ()  # links found in no cited passage, removed from the text
    partial: bool = False  # the answer was cut short by an upstream failure


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    mode_used: AnswerMode
    passages: tuple[RetrievalHit, ...]
    index_version: str
    took_ms: float
    # Why the answer is not what the mode first aims for (service/generative/modes.py).
    fallback_reason: str | None = None
    usage: TokenUsage | None = None  # generative answers only
    grounding: Grounding | None = None  # generative answers only


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
