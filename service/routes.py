"""The HTTP endpoints. Handlers are plain functions: FastAPI runs them in its thread pool, so
retrieval and reading (CPU-bound, blocking) never stall the event loop.

The dependencies are `async` (they only read app state) and the query endpoints return their
JSON already serialised by pydantic: each plain-function dependency, and FastAPI's re-validation
of a returned model, would cost another trip through the thread pool per request (~1 ms of a
/search's ~19 under load on two cores). `response_model` still documents the body in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from service.engine import QAEngine
from service.errors import ApiError
from service.http.validation import IsoDate, QueryTopK, Text
from service.metrics import Metrics
from service.schemas import (
    ArticleResponse,
    AskRequest,
    AskResponse,
    ErrorResponse,
    Health,
    Ready,
    SearchRequest,
    SearchResponse,
)
from service.types import AskResult

VERSION_HEADER = "X-Index-Version"

router = APIRouter()


async def get_engine(request: Request) -> QAEngine:
    engine: QAEngine = request.app.state.engine
    return engine


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _json(body: BaseModel, index_version: str) -> Response:
    return Response(
        body.model_dump_json(),
        media_type="application/json",
        headers={VERSION_HEADER: index_version},
    )


EngineDep = Annotated[QAEngine, Depends(get_engine)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


_COMMON = (400, 401, 408, 413, 429, 500, 503)


@router.post("/search", response_model=SearchResponse, responses=_errors(*_COMMON))
def search(body: SearchRequest, engine: EngineDep) -> Response:
    """Passages for a query, in rank order."""
    filters = body.filters.to_domain() if body.filters else None
    result = engine.search(body.query, body.top_k, filters, mode=body.mode, as_of=body.as_of)
    return _json(SearchResponse.from_result(result), result.index_version)


@router.post("/ask", response_model=AskResponse, responses=_errors(*_COMMON, 501))
def ask(body: AskRequest, engine: EngineDep, metrics: MetricsDep) -> Response:
    """An answer with citations, or an abstention where the index does not hold one."""
    filters = body.filters.to_domain() if body.filters else None
    result = engine.ask(
        body.question, mode=body.mode, top_k=body.top_k, filters=filters, as_of=body.as_of
    )
    return _answer(result, metrics)


@router.get("/ask", response_model=AskResponse, responses=_errors(*_COMMON))
def ask_get(
    engine: EngineDep,
    metrics: MetricsDep,
    q: Annotated[Text, Query(description="The question.")],
    top_k: Annotated[QueryTopK, Query()] = 10,
    as_of: Annotated[IsoDate | None, Query(description="YYYY-MM-DD, 1900-2100.")] = None,
) -> Response:
    """The same as POST /ask, for curl and browsers: `GET /ask?q=...`."""
    return _answer(engine.ask(q, top_k=top_k, as_of=as_of), metrics)


def _answer(result: AskResult, metrics: Metrics) -> Response:
    metrics.answers.labels(result.mode_used).inc()
    if result.answer.abstained:
        metrics.abstentions.inc()
    return _json(AskResponse.from_result(result), result.index_version)


@router.get(
    "/articles/{article_id}", response_model=ArticleResponse, responses=_errors(*_COMMON, 404)
)
def article(article_id: str, engine: EngineDep, response: Response) -> ArticleResponse:
    """One article, with the canonical copy of its story and the other outlets that ran it."""
    view = engine.article(article_id)
    response.headers[VERSION_HEADER] = view.index_version
    return ArticleResponse.from_view(view)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Alive (always 200 while the process serves)."""
    return Health()


@router.get("/readyz", response_model=Ready, responses=_errors(503))
def readyz(engine: EngineDep, response: Response) -> Ready:
    """200 with the index version once an index is loaded, else 503."""
    if not engine.ready:
        raise ApiError(503, "index_unavailable", "no index is loaded yet")
    with engine.lease() as generation:
        response.headers[VERSION_HEADER] = generation.version
        return Ready(
            index_version=generation.version,
            articles=generation.index.article_count,
            chunks=generation.index.chunk_count,
        )


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(engine: EngineDep, metrics: MetricsDep) -> Response:
    """Prometheus exposition format."""
    return Response(metrics.render(engine), media_type=metrics.content_type)
