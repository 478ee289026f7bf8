"""Request and response bodies of the HTTP API (also the `newsqa ask --json` output)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from indexer.types import Article, OutletSummary, SearchFilters
from service.engine import ArticleView, SearchResult
from service.types import AnswerMode, AskResult, Citation, RetrievalHit, RetrievalMode

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


class OutletInfo(BaseModel):
    name: str
    articles: int = Field(description="Indexed articles from this outlet (copies left out).")
    newest_published_at: date | None


class IndexInfo(BaseModel):
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


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The body of every error but 422."""

    error: ErrorDetail
