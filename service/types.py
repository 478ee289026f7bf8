"""The service's vocabulary: what retrieval hands to reading, and the results everyone receives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from indexer.types import Article, Chunk, OutletSummary, SearchFilters
from service.retrieval.timeframes import Timeframe

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
    # The time the question asks about, resolved against as_of (or today, `anchored` False):
    # the same on every hit of a search, None where the question names no time. For "latest"
    # its window is the day of the newest matching story.
    timeframe: Timeframe | None = None
    time_fit: float | None = None  # Timeframe.fit of this hit's date: 1 inside the asked time


@dataclass(frozen=True)
class Retrieved:
    """A question's fused hits from one index generation, before any reading."""

    hits: tuple[RetrievalHit, ...]
    index_version: str
    # The date the search was made as of, so that reading resolves time words against it.
    as_of: date | None = None
    # Its filters, so that a second search (a bridge question's) keeps them.
    filters: SearchFilters | None = None


Verdict = Literal["yes", "no", "unknown"]


@dataclass(frozen=True)
class Answer:
    """The reader's verdict on a question: a span of a passage, or an abstention."""

    text: str | None
    abstained: bool
    confidence: float  # 0..1, calibrated on the dev questions
    citations: tuple[Citation, ...] = ()
    verdict: Verdict | None = None  # yes/no questions only


# What a search, an answer and an article look like to everyone who receives one: the engine
# returns these, the HTTP API serialises them as they are, and eval reads them back from either
# (in process, or parsed from the API's JSON), so the three never drift apart. Frozen pydantic
# models: validation keeps a score or an offset from leaving as something the API does not
# document.


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class _FromArticle(_Result):
    """Which article something comes from, with what a citation shows of it."""

    article_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None


class Citation(_FromArticle):
    """Where an answer comes from: `article.text[start:end]` is the answer span itself (for a
    yes/no verdict, the evidence sentence)."""

    quote: str = Field(description="The whole sentence that holds the answer.")
    start: int = Field(
        description="`article.text[start:end]` is the answer span (a verdict's: the sentence)."
    )
    end: int
    marker: int | None = Field(
        None, description="Generative answers: the passage number [n] the answer cites here."
    )
    supports: str | None = Field(
        None, description="Generative answers: the answer sentence this quote supports."
    )


class Passage(_FromArticle):
    """A retrieved chunk of an article, in rank order."""

    chunk_id: str
    text: str
    start: int = Field(description="`article.text[start:end] == text`.")
    end: int
    score: float

    @classmethod
    def from_hit(cls, hit: RetrievalHit) -> Passage:
        chunk = hit.chunk
        return cls(
            chunk_id=chunk.id,
            article_id=chunk.article_id,
            title=chunk.title,
            source=chunk.source,
            url=chunk.url,
            published_at=chunk.published_at,
            text=chunk.text,
            start=chunk.start,
            end=chunk.end,
            score=hit.score,
        )


class SearchResult(_Result):
    results: list[Passage]
    index_version: str
    took_ms: float


class TokenUsage(_Result):
    """An LLM call's tokens: the endpoint's own count, else tiktoken's."""

    prompt_tokens: int
    completion_tokens: int
    counted: bool = Field(
        False, description="True where the endpoint reported no usage and newsqa counted them."
    )


class AskResult(_Result):
    answer: str | None
    abstained: bool
    confidence: float = Field(
        ge=0,
        le=1,
        description="Extractive: the reader's confidence, calibrated on the dev questions. "
        "Generative: the share of answer sentences that a cited passage sentence supports.",
    )
    verdict: Verdict | None = Field(
        None,
        description="For a yes/no question: 'yes' or 'no' (then `answer` says it, and the "
        "citations quote the sentences the verdict rests on), or 'unknown' where the passages "
        "do not say (then the answer is null). Null for every other question.",
    )
    bridge: str | None = Field(
        None,
        description="For a question about a thing it describes instead of naming ('The lab "
        "that built Wren: how much did it raise?'): the name a first read found for it. The "
        "answer is then read from a second search with that name, `passages` are that "
        "search's, and the last citation is the sentence that gave the name. Null otherwise.",
    )
    mode_used: AnswerMode = Field(description="extractive or generative: who wrote the answer.")
    citations: list[Citation]
    passages: list[Passage]
    index_version: str
    took_ms: float
    fallback_reason: str | None = Field(
        None,
        description="Why the answer is not the one the mode aims for first, e.g. "
        "low_confidence (auto asked the LLM), llm_not_configured, upstream_timeout.",
    )
    usage: TokenUsage | None = Field(None, description="LLM tokens, generative answers only.")
    grounded: bool = Field(
        description="At least one citation backs the answer (an extractive answer always is)."
    )
    unsupported_sentences: list[str] = Field(
        default_factory=list, description="Answer sentences no cited passage sentence supports."
    )
    dropped_markers: list[int] = Field(
        default_factory=list, description="[n] markers that named no passage, removed."
    )
    partial: bool = Field(False, description="The LLM's answer was cut short by a failure.")


class ArticleRef(_Result):
    id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None

    @classmethod
    def from_article(cls, article: Article) -> ArticleRef:
        return cls(
            id=article.id,
            title=article.title,
            source=article.source,
            url=article.url,
            published_at=article.published_at,
        )


class ArticleResult(ArticleRef):
    """An article, with the canonical copy of its story and the other outlets that ran it."""

    author: str | None
    text: str
    duplicate_of: str | None = Field(description="The indexed copy of this story, if not this.")
    alternative_sources: list[ArticleRef]
    index_version: str


class OutletInfo(_Result):
    name: str
    articles: int = Field(description="Indexed articles from this outlet (copies left out).")
    newest_published_at: date | None


class IndexInfo(_Result):
    """What the served index holds and how fresh it is; what this server can answer with."""

    index_version: str
    articles: int
    chunks: int
    newest_published_at: date | None = Field(description="The newest indexed article's date.")
    oldest_published_at: date | None
    outlets: list[OutletInfo] = Field(description="Sorted by name; filter values for `sources`.")
    llm_configured: bool = Field(
        description="Whether an LLM is configured, so that `mode` generative and auto can use it."
    )

    @classmethod
    def from_summaries(
        cls,
        index_version: str,
        chunks: int,
        summaries: list[OutletSummary],
        *,
        llm_configured: bool,
    ) -> IndexInfo:
        newest = [s.newest_published_at for s in summaries if s.newest_published_at]
        oldest = [s.oldest_published_at for s in summaries if s.oldest_published_at]
        return cls(
            index_version=index_version,
            articles=sum(s.articles for s in summaries),
            chunks=chunks,
            newest_published_at=max(newest, default=None),
            oldest_published_at=min(oldest, default=None),
            outlets=[
                OutletInfo(
                    name=s.name, articles=s.articles, newest_published_at=s.newest_published_at
                )
                for s in summaries
                if s.name is not None
            ],
            llm_configured=llm_configured,
        )


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


# The indexed outlets a text names ("the TechCrunch article"): source names as stored.
OutletsNamed = Callable[[str], frozenset[str]]
# A question read over given passages, and a question searched as the request's first search
# was: what a question in more than one step (bridges, comparisons) is answered with.
ReadPassages = Callable[[str, Sequence[RetrievalHit]], Answer]
SearchAgain = Callable[[str], Sequence[RetrievalHit]]


class Reader(Protocol):
    """Turns a question and ranked passages into an answer; the built-in one or a QA model.

    `as_of` is the date the question is asked on ("last week" counts back from it);
    `newest_indexed` the newest article's date in the index read from, which tells an as_of
    that goes back in time from one that is now; `outlets` says which of the index's outlets a
    text names.
    """

    def read(
        self,
        question: str,
        hits: Sequence[RetrievalHit],
        *,
        as_of: date | None = None,
        newest_indexed: date | None = None,
        outlets: OutletsNamed | None = None,
    ) -> Answer: ...
