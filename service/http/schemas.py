"""Request bodies of the HTTP API, and its small status and error bodies.

Results (search, answer, article) are `service.types` models, returned as they are.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from indexer.types import SearchFilters
from service.http.validation import IsoDate, Name, Text, TopK
from service.types import AnswerMode, RetrievalMode

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
    stream: StrictBool = Field(
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


# What any route may answer before or beside its own work: a body that is not UTF-8 (400), no
# key (401), a body too slow (408) or too large (413), the rate limit (429), the in-flight cap
# or no index (503).
COMMON_ERRORS = (400, 401, 408, 413, 429, 500, 503)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI's `responses` for error statuses, each with the error body."""
    return {status: {"model": ErrorResponse} for status in statuses}
