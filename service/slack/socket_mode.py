"""Socket Mode: the bot connects out to Slack over a WebSocket (an app-level token, no inbound
port), for teams without a public URL. Same listeners as HTTP events; Slack's envelopes are
acknowledged on the socket as soon as a listener returns. Answers come as from `newsqa serve`:
generative where an LLM is configured (NEWSQA_LLM_BASE_URL), extractive otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from prometheus_client import CollectorRegistry
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from service.config import Settings
from service.engine import QAEngine
from service.generative.wiring import open_answerer
from service.http.reload import reloading
from service.slack.bot import SlackBot
from service.slack.metrics import SlackMetrics
from service.slack.settings import app_token, bot_token

log = logging.getLogger(__name__)


async def run_socket_mode(settings: Settings, engine: QAEngine, stop: asyncio.Event) -> list[str]:
    """Serves Slack over Socket Mode until `stop` is set; returns the answers cancelled.

    On `stop`, the socket is closed first (no new questions), then the answers in flight get
    `slack_shutdown_grace_s` to be posted.
    """
    token = app_token(settings)
    bot_token(settings)  # fails here, naming the variable, rather than at the first answer
    async with open_answerer(settings, engine) as answerer:
        # Nothing scrapes this process; the counters still show up in logs of a debugger.
        bot = await SlackBot.start(settings, answerer, SlackMetrics(CollectorRegistry()))
        handler = AsyncSocketModeHandler(
            bot.bolt, token, logger=logging.getLogger("service.slack.ws")
        )
        try:
            async with reloading(engine, settings.reload_interval_s):
                await handler.connect_async()  # type: ignore[no-untyped-call]  # untyped
                log.info("connected to Slack over Socket Mode; stop with Ctrl-C or SIGTERM")
                await stop.wait()
                log.info("stopping: no new questions; finishing %d in flight", len(bot.tasks))
                await handler.close_async()  # type: ignore[no-untyped-call]
        finally:
            if not handler.client.closed:
                await handler.close_async()  # type: ignore[no-untyped-call]
            # Inside the answerer's block: answers in flight may still be waiting on the LLM.
            cancelled = await bot.close(settings.slack_shutdown_grace_s)
    return cancelled


def serve_socket_mode(settings: Settings) -> list[str]:
    """Loads the index, then runs Socket Mode until SIGINT or SIGTERM."""
    engine = QAEngine(settings)
    try:
        engine.warm_up()
        if not engine.ready:
            log.warning("no index in %s yet; questions are told to try again", settings.index_dir)

        async def main() -> list[str]:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with suppress(NotImplementedError):  # not on every platform
                    loop.add_signal_handler(signum, stop.set)
            return await run_socket_mode(settings, engine, stop)

        return asyncio.run(main())
    finally:
        engine.close()
