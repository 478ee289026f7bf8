"""`POST /slack/events`: Slack's events, slash commands and button clicks over HTTP, mounted
in the service's FastAPI app where the bot token and signing secret are set.

Each request is verified (signature, timestamp), parsed and checked before Bolt sees it, so
every refusal is a 4xx in the service's error shape; the API's bearer keys and rate limit do
not apply here (Slack signs each request instead, and a 429 would only make Slack retry).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from service.config import Settings
from service.generative.modes import Answerer
from service.http.errors import ApiError, error_response
from service.http.metrics import Metrics
from service.http.security import OpenPaths
from service.slack.bot import SlackBot
from service.slack.metrics import SlackMetrics
from service.slack.payloads import parse_payload
from service.slack.settings import (
    EVENTS_PATH,
    http_events_enabled,
    http_events_missing,
    signing_secret,
)
from service.slack.signature import verify

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": reason}
    for status, reason in {
        400: "Non-numeric timestamp, non-UTF-8 body or malformed payload",
        401: "Missing or wrong signature, or a timestamp over 5 minutes away",
        408: "Body not received within NEWSQA_BODY_TIMEOUT_S",
        413: "Body too large",
        415: "Neither JSON nor a form",
        503: "The bot is starting or stopping, or the worker is at NEWSQA_MAX_IN_FLIGHT",
    }.items()
}


class SlackEvents:
    """The /slack/events endpoint of one app, and the bot behind it while the app runs."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings = settings
        self.enabled = http_events_enabled(settings)
        self.bot: SlackBot | None = None
        self._secret = signing_secret(settings) if self.enabled else ""
        self._metrics = SlackMetrics(metrics.registry) if self.enabled else None
        if self.enabled:
            metrics.on_scrape.append(self._read_votes)

    @property
    def open_paths(self) -> OpenPaths:
        """What passes the API's keys and rate limit: the endpoint, where it is on (Slack signs
        each request instead, and a 429 would only make Slack deliver again)."""
        return OpenPaths(frozenset({EVENTS_PATH})) if self.enabled else OpenPaths()

    def mount(self, app: FastAPI) -> None:
        """Adds the route where HTTP events are configured (and logs why not where half is)."""
        if self.enabled:
            app.add_api_route(
                EVENTS_PATH,
                self.handle,
                methods=["POST"],
                summary="Slack events, slash commands and interactions (signed by Slack)",
                responses=_ERRORS,
                tags=["slack"],
            )
        elif (missing := http_events_missing(self.settings)) is not None:
            log.warning("Slack HTTP events are off: %s", missing)

    @asynccontextmanager
    async def running(self, answerer: Answerer) -> AsyncIterator[None]:
        """Runs the bot over the app's `answerer` for the app's lifetime; on the way out,
        answers in flight get `slack_shutdown_grace_s` to be posted."""
        if not self.enabled or self._metrics is None:
            yield
            return
        self.bot = await SlackBot.start(self.settings, answerer, self._metrics)
        try:
            yield
        finally:
            bot, self.bot = self.bot, None
            await bot.close(self.settings.slack_shutdown_grace_s)

    def _read_votes(self) -> None:
        bot = self.bot
        if bot is not None:
            bot.read_votes()

    async def handle(self, request: Request) -> Response:
        """Verifies, parses and dispatches one request from Slack."""
        bot = self.bot
        if bot is None:
            raise ApiError(503, "slack_unavailable", "the Slack bot is starting or stopping")
        body = await request.body()
        verify(self._secret, request.headers, body, time.time())
        payload = parse_payload(body, request.headers.get("content-type"))
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        if payload.get("type") == "event_callback":
            # An event's acknowledgement is an empty 200 whatever the bot makes of it, so it
            # is sent now and Bolt runs after, in a tracked task: the ack waits for neither
            # Bolt's dispatch nor the exactly-once claim (both done there, before any answer).
            label = f"event {payload['event_id']}"
            bot.tasks.start(_dispatch_event(bot, payload, headers, label), label)
            return Response(status_code=200)
        response = await bot.bolt.async_dispatch(_bolt_request(payload, headers))
        return _to_response(response, payload)


def _bolt_request(
    payload: dict[str, Any], headers: dict[str, str | Sequence[str]]
) -> AsyncBoltRequest:
    """Bolt gets the checked payload as JSON, whatever the form it came in."""
    return AsyncBoltRequest(
        body=json.dumps(payload), headers={**headers, "content-type": "application/json"}
    )


async def _dispatch_event(
    bot: SlackBot, payload: dict[str, Any], headers: dict[str, str | Sequence[str]], label: str
) -> None:
    response = await bot.bolt.async_dispatch(_bolt_request(payload, headers))
    if response.status >= 400 and response.status != 404:
        log.error("%s: Bolt answered %s: %s", label, response.status, response.body[:200])


def _to_response(response: BoltResponse, payload: dict[str, Any]) -> Response:
    if response.status == 404:
        # No listener wanted it. Slack would retry anything but a 2xx, so it is acknowledged.
        log.info("acknowledged an unhandled Slack %s request", payload.get("type", "command"))
        return Response(status_code=200)
    if response.status >= 400:
        log.error("Bolt answered %s: %s", response.status, response.body[:200])
        message = "the Slack bot could not handle this request"
        return error_response(response.status, "slack_app_error", message)
    return Response(
        content=response.body,
        status_code=response.status,
        headers=response.first_headers_without_set_cookie(),
    )
