"""Prometheus metrics, in a registry of the app's own (so several apps can live in one process).

Under several worker processes (`newsqa serve --workers N`), each worker writes its samples to
files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, chosen by that
variable, which `newsqa serve` sets before the workers start) and a scrape of any worker sums
them, so /metrics counts every request whichever worker served it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.engine import QAEngine
from service.generative.breaker import STATE_VALUES, State
from service.types import AskResult


class Metrics:
    """What /metrics exposes: requests, latency, the index served, abstentions, reloads, the
    LLM's calls, and gauges that other parts set at each scrape (`on_scrape`)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode samples live in files; the registry is built at each scrape.
        own: CollectorRegistry | None = None if self.multiprocess else CollectorRegistry()
        self.registry = own
        # Index gauges: the value the most recently reporting live worker set.
        gauge_mode: Literal["livemostrecent"] = "livemostrecent"
        self.requests = Counter(
            "newsqa_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "newsqa_http_request_duration_seconds",
            "Time to the end of the response, by route template.",
            ["route"],
            registry=own,
        )
        self.index_articles = Gauge(
            "newsqa_index_articles",
            "Articles in the served index.",
            registry=own,
            multiprocess_mode=gauge_mode,
        )
        self.index_chunks = Gauge(
            "newsqa_index_chunks",
            "Chunks in the served index.",
            registry=own,
            multiprocess_mode=gauge_mode,
        )
        self.index_ready = Gauge(
            "newsqa_index_ready",
            "1 while an index is served, else 0.",
            registry=own,
            multiprocess_mode=gauge_mode,
        )
        self.answers = Counter(
            "newsqa_answers", "Questions answered, by mode used.", ["mode"], registry=own
        )
        self.abstentions = Counter(
            "newsqa_abstentions", "Questions the reader declined to answer.", registry=own
        )
        self.reloads = Counter(
            "newsqa_index_reloads", "New index generations swapped in.", registry=own
        )
        # Generative answers (service/generative/): this class is their Observer.
        self.llm_requests = Counter(
            "newsqa_llm_requests",
            "Requests to the LLM endpoint, retries included, by outcome (ok, cancelled, or the "
            "error's reason).",
            ["outcome"],
            registry=own,
        )
        self.llm_fallbacks = Counter(
            "newsqa_llm_fallbacks",
            "Answers given without the LLM, or cut short, by fallback_reason.",
            ["reason"],
            registry=own,
        )
        self.llm_tokens = Counter(
            "newsqa_llm_tokens", "LLM tokens, by kind (prompt, completion).", ["kind"], registry=own
        )
        # Each worker has its own breaker, so each reports its own state ("pid" label).
        self.llm_circuit_state = Gauge(
            "newsqa_llm_circuit_state",
            "The LLM circuit breaker: 0 closed, 1 half-open (one probe), 2 open.",
            registry=own,
            multiprocess_mode="liveall",
        )
        # Gauges read from elsewhere at scrape time (the Slack bot's stored feedback).
        self.on_scrape: list[Callable[[], None]] = []

    def count_answer(self, result: AskResult) -> None:
        self.answers.labels(result.mode_used).inc()
        if result.abstained:
            self.abstentions.inc()

    def upstream_attempt(self, outcome: str) -> None:
        self.llm_requests.labels(outcome).inc()

    def circuit_changed(self, state: State) -> None:
        self.llm_circuit_state.set(STATE_VALUES[state])

    def fell_back(self, reason: str) -> None:
        self.llm_fallbacks.labels(reason).inc()

    def tokens_used(self, prompt: int, completion: int) -> None:
        self.llm_tokens.labels("prompt").inc(prompt)
        self.llm_tokens.labels("completion").inc(completion)

    def render(self, engine: QAEngine) -> bytes:
        """The exposition text, with the index gauges read at scrape time."""
        index = engine.index
        self.index_ready.set(1 if index is not None else 0)
        self.index_articles.set(index.article_count if index is not None else 0)
        self.index_chunks.set(index.chunk_count if index is not None else 0)
        for update in self.on_scrape:
            update()
        if self.registry is not None:
            return bytes(generate_latest(self.registry))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(registry))


class MetricsMiddleware:
    """Counts and times every HTTP request, refusals by the guard rails included.

    Routes are labelled by template (/articles/{article_id}), so ids never become label values.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = [route for route in routes if hasattr(route, "path")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._route(scope)
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)

    def _route(self, scope: Scope) -> str:
        # Matched here, before the app runs, so that refusals by the guard rails (which answer
        # before routing) are labelled with the route they were aimed at too.
        for candidate in self.routes:
            match, _ = candidate.matches(scope)
            if match is not Match.NONE:
                return str(getattr(candidate, "path"))  # noqa: B009  # filtered in __init__
        return "unmatched"
