"""The HTTP endpoints. Handlers are plain functions: FastAPI runs them in its thread pool, so
retrieval and reading (CPU-bound, blocking) never stall the event loop. The /ask handlers are
async: they may wait on an LLM endpoint, and send retrieval and reading to worker threads
themselves (service/generative/modes.py).

The dependencies are `async` (they only read app state) and the query endpoints return their
JSON already serialised by pydantic: each plain-function dependency, and FastAPI's re-validation
of a returned model, would cost another trip through the thread pool per request (~1 ms of a
/search's ~19 under load on two cores). `response_model` still documents the body in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel

from service.engine import QAEngine
from service.generative import sse
from service.generative.modes import Answerer
from service.http.errors import ApiError
from service.http.metrics import Metrics
from service.http.schemas import (
    COMMON_ERRORS,
    AskRequest,
    Health,
    Ready,
    SearchRequest,
    error_responses,
)
from service.http.validation import IsoDate, QueryTopK, Text
from service.types import ArticleResult, AskResult, IndexInfo, SearchResult

VERSION_HEADER = "X-Index-Version"

router = APIRouter()


async def get_engine(request: Request) -> QAEngine:
    engine: QAEngine = request.app.state.engine
    return engine


async def get_answerer(request: Request) -> Answerer:
    answerer: Answerer = request.app.state.answerer
    return answerer


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
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


@router.post("/search", response_model=SearchResult, responses=error_responses(*COMMON_ERRORS))
def search(body: SearchRequest, engine: EngineDep) -> Response:
    """Passages for a query, in rank order."""
    filters = body.filters.to_domain() if body.filters else None
    result = engine.search(body.query, body.top_k, filters, mode=body.mode, as_of=body.as_of)
    return _json(result, result.index_version)


@router.post(
    "/ask",
    response_model=AskResult,
    responses={
        **error_responses(*COMMON_ERRORS, 400, 502),
        200: {"content": {"text/event-stream": {}}, "description": "JSON, or events if stream"},
    },
)
async def ask(body: AskRequest, answerer: AnswererDep, metrics: MetricsDep) -> Response:
    """An answer with citations, or an abstention where the index does not hold one; with
    `"stream": true`, server-sent events (README, "Generative answers")."""
    filters = body.filters.to_domain() if body.filters else None
    plan = await answerer.prepare(
        body.question, mode=body.mode, top_k=body.top_k, filters=filters, as_of=body.as_of
    )
    if body.stream:
        return EventSourceResponse(
            sse.encode(answerer.stream(plan), lambda result: _count(result, metrics)),
            headers={VERSION_HEADER: plan.index_version, "Cache-Control": "no-store"},
        )
    return _answer(await answerer.answer(plan), metrics)


@router.get("/ask", response_model=AskResult, responses=error_responses(*COMMON_ERRORS, 502))
async def ask_get(
    answerer: AnswererDep,
    metrics: MetricsDep,
    q: Annotated[Text, Query(description="The question.")],
    top_k: Annotated[QueryTopK, Query()] = 10,
    as_of: Annotated[IsoDate | None, Query(description="YYYY-MM-DD, 1900-2100.")] = None,
) -> Response:
    """The same as POST /ask, for curl and browsers: `GET /ask?q=...`."""
    return _answer(await answerer.ask(q, top_k=top_k, as_of=as_of), metrics)


def _answer(result: AskResult, metrics: Metrics) -> Response:
    _count(result, metrics)
    return _json(result, result.index_version)


def _count(result: AskResult, metrics: Metrics) -> None:
    metrics.count_answer(result)


@router.get(
    "/articles/{article_id}",
    response_model=ArticleResult,
    responses=error_responses(*COMMON_ERRORS, 404),
)
def article(article_id: str, engine: EngineDep) -> Response:
    """One article, with the canonical copy of its story and the other outlets that ran it."""
    found = engine.article(article_id)
    return _json(found, found.index_version)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Alive (always 200 while the process serves)."""
    return Health()


@router.get("/readyz", response_model=Ready, responses=error_responses(503))
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


@router.get("/info", response_model=IndexInfo, responses=error_responses(*COMMON_ERRORS))
def info(engine: EngineDep, answerer: AnswererDep) -> Response:
    """The index's outlets with their article counts and newest dates, its freshness, and
    whether generative answers are available (the web page's filters and footer)."""
    with engine.lease() as generation:
        summaries = generation.index.outlet_summaries()
        body = IndexInfo.from_summaries(
            generation.version,
            generation.index.chunk_count,
            summaries,
            llm_configured=answerer.generator is not None,
        )
    return _json(body, generation.version)


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(engine: EngineDep, metrics: MetricsDep) -> Response:
    """Prometheus exposition format."""
    return Response(metrics.render(engine), media_type=metrics.content_type)
