"""Request and response bodies of the HTTP API (also the `newsqa ask --json` output)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from indexer.types import Article, SearchFilters
from service.engine import ArticleView, SearchResult
from service.types import (
    AnswerMode,
    AskResult,
    Citation,
    RetrievalHit,
    RetrievalMode,
    TokenUsage,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
TopK = Annotated[int, Field(ge=1, le=50, description="How many passages to retrieve.")]


class _Request(BaseModel):
    # A misspelt field is a 422 naming it, not a silently ignored option.
    model_config = ConfigDict(extra="forbid")


class Filters(_Request):
    sources: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list, max_length=100, description="Only these outlets (exact names)."
    )
    published_after: date | None = Field(None, description="Inclusive.")
    published_before: date | None = Field(None, description="Inclusive.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (
            self.published_after
            and self.published_before
            and self.published_after > self.published_before
        ):
            raise ValueError(
                f"published_after ({self.published_after}) is later than "
                f"published_before ({self.published_before})"
            )
        return self

    def to_domain(self) -> SearchFilters:
        return SearchFilters(tuple(self.sources), self.published_after, self.published_before)


class SearchRequest(_Request):
    query: Text
    top_k: TopK = 10
    filters: Filters | None = None
    mode: RetrievalMode = "hybrid"
    as_of: date | None = Field(None, description="Answer as of this date: ignore later news.")


class AskRequest(_Request):
    question: Text
    mode: AnswerMode = "auto"
    top_k: TopK = 10
    filters: Filters | None = None
    as_of: date | None = Field(None, description="Answer as of this date: ignore later news.")
    stream: bool = Field(
        False,
        description="Answer as server-sent events (passages, delta, citations, done or error) "
        "instead of one JSON body.",
    )


class Passage(BaseModel):
    chunk_id: str
    article_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None
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


class SearchResponse(BaseModel):
    results: list[Passage]
    index_version: str
    took_ms: float

    @classmethod
    def from_result(cls, result: SearchResult) -> SearchResponse:
        return cls(
            results=[Passage.from_hit(hit) for hit in result.hits],
            index_version=result.index_version,
            took_ms=result.took_ms,
        )


class CitationOut(BaseModel):
    article_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None
    quote: str = Field(description="The whole sentence that holds the answer.")
    start: int = Field(description="`article.text[start:end]` is the answer span.")
    end: int
    marker: int | None = Field(
        None, description="Generative answers: the passage number [n] the answer cites here."
    )
    supports: str | None = Field(
        None, description="Generative answers: the answer sentence this quote supports."
    )

    @classmethod
    def from_citation(cls, citation: Citation) -> CitationOut:
        # The fields mirror service.types.Citation one to one.
        return cls.model_validate(citation, from_attributes=True)


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    counted: bool = Field(
        description="True where the endpoint reported no usage and newsqa counted the tokens."
    )

    @classmethod
    def from_usage(cls, usage: TokenUsage | None) -> UsageOut | None:
        return cls.model_validate(usage, from_attributes=True) if usage is not None else None


class AskResponse(BaseModel):
    answer: str | None
    abstained: bool
    confidence: float = Field(
        ge=0,
        le=1,
        description="Extractive: the reader's calibrated confidence. Generative: the share of "
        "answer sentences that a cited passage sentence supports.",
    )
    mode_used: AnswerMode = Field(description="extractive or generative: who wrote the answer.")
    citations: list[CitationOut]
    passages: list[Passage]
    index_version: str
    took_ms: float
    fallback_reason: str | None = Field(
        None,
        description="Why the answer is not the one the mode aims for first, e.g. "
        "low_confidence (auto asked the LLM), llm_not_configured, upstream_timeout.",
    )
    usage: UsageOut | None = Field(None, description="LLM tokens, generative answers only.")
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

    @classmethod
    def from_result(cls, result: AskResult) -> AskResponse:
        answer = result.answer
        grounding = result.grounding
        return cls(
            answer=answer.text,
            abstained=answer.abstained,
            confidence=min(1.0, max(0.0, answer.confidence)),
            mode_used=result.mode_used,
            citations=[CitationOut.from_citation(c) for c in answer.citations],
            passages=[Passage.from_hit(hit) for hit in result.passages],
            index_version=result.index_version,
            took_ms=result.took_ms,
            fallback_reason=result.fallback_reason,
            usage=UsageOut.from_usage(result.usage),
            grounded=grounding.grounded if grounding else not answer.abstained,
            unsupported_sentences=list(grounding.unsupported_sentences) if grounding else [],
            dropped_markers=list(grounding.dropped_markers) if grounding else [],
            partial=grounding.partial if grounding else False,
        )


class ArticleRef(BaseModel):
    id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: date | None

    @classmethod
    def from_article(cls, article: Article) -> ArticleRef:
        # Reads just the declared fields off indexer.types.Article.
        return cls.model_validate(article, from_attributes=True)


class ArticleResponse(ArticleRef):
    author: str | None
    text: str
    duplicate_of: str | None = Field(description="The indexed copy of this story, if not this.")
    alternative_sources: list[ArticleRef]
    index_version: str

    @classmethod
    def from_view(cls, view: ArticleView) -> ArticleResponse:
        article = view.article
        return cls(
            **ArticleRef.from_article(article).model_dump(),
            author=article.author,
            text=article.text,
            duplicate_of=view.duplicate_of,
            alternative_sources=[ArticleRef.from_article(a) for a in view.alternative_sources],
            index_version=view.index_version,
        )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    index_version: str
    articles: int
    chunks: int


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The body of every error but 422."""

    error: ErrorDetail
