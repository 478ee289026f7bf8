"""Request and response bodies of the HTTP API (also the `newsqa ask --json` output)."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from indexer.types import Article, SearchFilters
from service.engine import ArticleView, SearchResult
from service.http.validation import IsoDate, Name, Text, TopK
from service.types import AnswerMode, AskResult, Citation, RetrievalHit, RetrievalMode

_AS_OF = "Answer as of this date (YYYY-MM-DD, 1900-2100): ignore later news."


class _Request(BaseModel):
    # A misspelt field is a 422 naming it, not a silently ignored option.
    model_config = ConfigDict(extra="forbid")


class Filters(_Request):
    sources: list[Name] = Field(
        default_factory=list, max_length=100, description="Only these outlets (exact names)."
    )
    published_after: IsoDate | None = Field(None, description="Inclusive (YYYY-MM-DD).")
    published_before: IsoDate | None = Field(None, description="Inclusive (YYYY-MM-DD).")

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
    as_of: IsoDate | None = Field(None, description=_AS_OF)


class AskRequest(_Request):
    question: Text
    mode: AnswerMode = "auto"
    top_k: TopK = 10
    filters: Filters | None = None
    as_of: IsoDate | None = Field(None, description=_AS_OF)


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

    @classmethod
    def from_citation(cls, citation: Citation) -> CitationOut:
        # The fields mirror service.types.Citation one to one.
        return cls.model_validate(citation, from_attributes=True)


class AskResponse(BaseModel):
    answer: str | None
    abstained: bool
    confidence: float = Field(ge=0, le=1)
    mode_used: AnswerMode
    citations: list[CitationOut]
    passages: list[Passage]
    index_version: str
    took_ms: float

    @classmethod
    def from_result(cls, result: AskResult) -> AskResponse:
        answer = result.answer
        return cls(
            answer=answer.text,
            abstained=answer.abstained,
            confidence=min(1.0, max(0.0, answer.confidence)),
            mode_used=result.mode_used,
            citations=[CitationOut.from_citation(c) for c in answer.citations],
            passages=[Passage.from_hit(hit) for hit in result.passages],
            index_version=result.index_version,
            took_ms=result.took_ms,
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
