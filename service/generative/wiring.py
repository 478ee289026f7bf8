"""Builds the Answerer from settings, with the HTTP client and circuit breaker it owns."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.config import Settings
from service.engine import QAEngine
from service.generative.breaker import CircuitBreaker
from service.generative.client import ChatClient, ClientConfig
from service.generative.endpoint import check_resolved
from service.generative.generator import Generator
from service.generative.modes import Answerer
from service.generative.observer import NullObserver, Observer
from service.generative.transport import build_http_client

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_answerer(
    settings: Settings, engine: QAEngine, observer: Observer | None = None
) -> AsyncIterator[Answerer]:
    """An Answerer for this process; with an LLM where NEWSQA_LLM_BASE_URL is set.

    The endpoint's host is resolved and checked here, at start-up; the HTTP client is closed
    (its connections with it) when the block ends.
    """
    observer = observer or NullObserver()
    if not settings.llm_base_url:
        yield Answerer(engine, None, observer=observer)
        return
    await check_resolved(settings.llm_base_url)
    config = ClientConfig.from_settings(settings)
    breaker = CircuitBreaker(
        settings.llm_breaker_threshold,
        settings.llm_breaker_cooldown_s,
        on_change=observer.circuit_changed,
    )
    observer.circuit_changed(breaker.state)
    async with build_http_client(settings) as http:
        client = ChatClient(http, config, breaker, observer)
        generator = Generator(
            client, budget_tokens=settings.llm_context_budget_tokens, observer=observer
        )
        log.info("generative answers from %s (model %s)", config.base_url, config.model)
        yield Answerer(engine, generator, observer=observer)
