"""The HTTP endpoints. Handlers are plain functions: FastAPI runs them in its thread pool, so
retrieval and reading (CPU-bound, blocking) never stall the event loop."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from service.engine import QAEngine
from service.errors import ApiError
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


def get_engine(request: Request) -> QAEngine:
    engine: QAEngine = request.app.state.engine
    return engine


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


EngineDep = Annotated[QAEngine, Depends(get_engine)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


_COMMON = (401, 413, 429, 500, 503)


@router.post("/search", response_model=SearchResponse, responses=_errors(*_COMMON))
def search(body: SearchRequest, engine: EngineDep, response: Response) -> SearchResponse:
    """Passages for a query, in rank order."""
    filters = body.filters.to_domain() if body.filters else None
    result = engine.search(body.query, body.top_k, filters, mode=body.mode, as_of=body.as_of)
    response.headers[VERSION_HEADER] = result.index_version
    return SearchResponse.from_result(result)


@router.post("/ask", response_model=AskResponse, responses=_errors(*_COMMON, 501))
def ask(
    body: AskRequest, engine: EngineDep, metrics: MetricsDep, response: Response
) -> AskResponse:
    """An answer with citations, or an abstention where the index does not hold one."""
    filters = body.filters.to_domain() if body.filters else None
    result = engine.ask(
        body.question, mode=body.mode, top_k=body.top_k, filters=filters, as_of=body.as_of
    )
    return _answer(result, metrics, response)


@router.get("/ask", response_model=AskResponse, responses=_errors(*_COMMON))
def ask_get(
    engine: EngineDep,
    metrics: MetricsDep,
    response: Response,
    q: Annotated[str, Query(min_length=1, max_length=1000, pattern=r"\S")],
    top_k: Annotated[int, Query(ge=1, le=50)] = 10,
    as_of: date | None = None,
) -> AskResponse:
    """The same as POST /ask, for curl and browsers: `GET /ask?q=...`."""
    return _answer(engine.ask(q.strip(), top_k=top_k, as_of=as_of), metrics, response)


def _answer(result: AskResult, metrics: Metrics, response: Response) -> AskResponse:
    metrics.answers.labels(result.mode_used).inc()
    if result.answer.abstained:
        metrics.abstentions.inc()
    response.headers[VERSION_HEADER] = result.index_version
    return AskResponse.from_result(result)


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
