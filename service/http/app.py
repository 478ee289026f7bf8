"""The FastAPI application: `create_app(settings)`; heavy state loads in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.config import Settings, get_settings
from service.engine import QAEngine
from service.generative import openai_facade
from service.generative.wiring import open_answerer
from service.http.errors import install_error_handlers
from service.http.in_flight import InFlightLimitMiddleware
from service.http.metrics import Metrics, MetricsMiddleware
from service.http.reload import reloading
from service.http.routes import router
from service.http.security import (
    PROBES,
    BodyLimitMiddleware,
    GuardMiddleware,
    RateLimiter,
    SharedTokenBucketLimiter,
    TokenBucketLimiter,
)
from service.slack.http import SlackEvents
from service.web.routes import PAGE, web_router

log = logging.getLogger(__name__)


def create_worker_app() -> FastAPI:
    """The app of one of `newsqa serve`'s worker processes (uvicorn calls this in each)."""
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return create_app(settings)


def _limiter(settings: Settings) -> RateLimiter:
    """Buckets in a file every worker shares where there are several, else in memory."""
    if settings.shared_state_dir is not None:
        path = settings.shared_state_dir / "rate-limits.sqlite"
        return SharedTokenBucketLimiter(path, settings.rate_limit_per_minute)
    return TokenBucketLimiter(settings.rate_limit_per_minute)


def create_app(settings: Settings | None = None, *, engine: QAEngine | None = None) -> FastAPI:
    """The service over `settings.index_dir`.

    Pass `engine` to share one (and its loaded model) between apps; the caller then closes it.
    """
    settings = settings or get_settings()
    owns_engine = engine is None
    qa = engine if engine is not None else QAEngine(settings)
    metrics = Metrics()
    slack = SlackEvents(settings, metrics)  # off unless its settings are given

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(qa.warm_up)
        log.info(
            "newsqa ready: index %s from %s",
            qa.index_version or "(none yet)",
            settings.index_dir,
        )
        try:
            # Leaving, the Slack bot goes first: its answers in flight still need the answerer
            # and the engine.
            async with (
                open_answerer(settings, qa, metrics) as answerer,
                reloading(qa, settings.reload_interval_s, metrics.reloads.inc),
                slack.running(answerer),
            ):
                app.state.answerer = answerer
                yield
        finally:
            if owns_engine:
                await asyncio.to_thread(qa.close)

    app = FastAPI(
        title="newsqa",
        summary="Questions over AI-industry news, answered with exact citations.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = qa
    app.state.metrics = metrics
    app.include_router(router)
    app.include_router(web_router())
    app.include_router(openai_facade.router)
    slack.mount(app)
    app.state.slack = slack
    install_error_handlers(app)

    # Added innermost first: a request meets metrics, then CORS, then the in-flight cap, then
    # the guard, then the body limit.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s
    )
    app.add_middleware(
        GuardMiddleware,
        api_keys=settings.api_keys,
        limiter=_limiter(settings),
        open_paths=PROBES | PAGE | slack.open_paths,
    )
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_in_flight)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Index-Version", "Retry-After"],
        )
    app.add_middleware(
        MetricsMiddleware, metrics=metrics, routes=[*router.routes, *app.router.routes]
    )
    return app
