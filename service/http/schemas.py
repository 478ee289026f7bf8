"""Request bodies of the HTTP API, and its small status and error bodies.

Results (search, answer, article) are `service.types` models, returned as they are.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from indexer.types import SearchFilters
from service.types import AnswerMode, RetrievalMode

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
