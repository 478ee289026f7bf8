"""From a question in Slack to an answer posted there: ask the service's Answerer (generative
answers where an LLM is configured, extractive otherwise, as POST /ask), render it, post it (in
the question's thread, or through a slash command's `response_url`), remember it for follow-ups.
Every failure is logged with what it was answering and never escapes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from service.engine import IndexUnavailableError
from service.generative.modes import Answerer
from service.slack.blocks import FeedbackRef, Message, answer_message, notice
from service.slack.metrics import SlackMetrics
from service.slack.threads import ThreadMemory, Turn, with_context
from service.types import AskResult

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # as POST /ask allows
INDEX_NOT_READY = "The news index is not loaded yet, so I cannot answer. Try again in a minute."
WEB_TIMEOUT_S = 15  # per call to Slack (each retry gets as long again)
# Niceness of the threads that compute answers (0 is normal, 19 the lowest priority).
ANSWER_NICENESS = 10


def _background_priority() -> None:
    """Lowers the calling thread's scheduling priority (Linux sets nice per thread)."""
    with suppress(AttributeError, OSError):  # not on every platform
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANSWER_NICENESS)


@dataclass(frozen=True)
class Reply:
    """Where an answer goes: a thread (channel + thread_ts) or a slash command's response_url."""

    label: str  # what is being answered, for logs: "event Ev123" or "/ask from U1"
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    echo_question: bool = False  # show the question above the answer (slash commands)


class Responder:
    """Answers questions from Slack; owns the threads that retrieve and read, and those that
    reach the stores."""

    def __init__(
        self,
        answerer: Answerer,
        client: AsyncWebClient,
        *,
        session: aiohttp.ClientSession,
        retry_handlers: list[AsyncRetryHandler],
        threads: ThreadMemory,
        metrics: SlackMetrics,
        answer_threads: int = 2,
    ) -> None:
        self.client = client
        self.threads = threads
        self.metrics = metrics
        self._session = session
        self._retry_handlers = retry_handlers
        # Retrieval and reading (the blocking part of every answer; an LLM is awaited on the
        # event loop) and state reads/writes (milliseconds) run on separate threads, so a
        # queue of answers never delays an acknowledgement; and the answer threads run at a
        # lower CPU priority, so that when they hold the cores (extractive reading is pure
        # Python) the event loop still gets them to acknowledge. Two answer threads, not more:
        # answers are CPU-bound, so more threads only queue for the same cores, and each one
        # more takes a share of the GIL from the event loop (with 16, acknowledgement p99 was
        # 427 ms at 32 concurrent events; with 2, 152 ms, and answers arrived sooner).
        self._answer_pool = ThreadPoolExecutor(
            answer_threads, thread_name_prefix="slack-answer", initializer=_background_priority
        )
        self._state_pool = ThreadPoolExecutor(2, thread_name_prefix="slack-state")
        self.answerer = answerer.on_executor(self._answer_pool)

    async def in_state_thread(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Runs a quick blocking call (SQLite) off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._state_pool, partial(function, *args, **kwargs))

    def close(self) -> None:
        self._answer_pool.shutdown(wait=False, cancel_futures=True)
        self._state_pool.shutdown(wait=False, cancel_futures=True)

    # -- the whole flow --------------------------------------------------------------------

    async def answer(self, question: str, reply: Reply, *, follow_up: bool = False) -> None:
        """Answers `question` where `reply` says; a `follow_up` reads the thread's last turn."""
        try:
            asked = question
            if follow_up and reply.channel and reply.thread_ts:
                earlier = await self.in_state_thread(
                    self.threads.recall, reply.channel, reply.thread_ts
                )
                if earlier is not None:
                    asked = with_context(question, earlier)
                    log.info("%s: follow-up asked as %r", reply.label, asked)
            result = await self._ask(asked, reply.label)
            if isinstance(result, Message):
                message = result
            else:
                ref = FeedbackRef(
                    answer_id=uuid.uuid4().hex,
                    question=asked,
                    answer=None if result.abstained else result.answer,
                    mode=str(result.mode_used),
                    index_version=result.index_version,
                )
                shown = question if reply.echo_question else None
                message = answer_message(result, ref, question=shown)
            posted = await self.post(message, reply)
            if posted and not isinstance(result, Message) and reply.channel and reply.thread_ts:
                turn = Turn(asked, None if result.abstained else result.answer)
                await self.in_state_thread(
                    self.threads.remember, reply.channel, reply.thread_ts, turn
                )
        except asyncio.CancelledError:
            self.metrics.answers.labels("cancelled").inc()
            raise
        except Exception:
            self.metrics.answers.labels("failed").inc()
            log.exception("%s: answering failed", reply.label)

    async def _ask(self, question: str, label: str) -> AskResult | Message:
        if len(question) > MAX_QUESTION_CHARS:
            return notice(
                f"That question is {len(question)} characters long; "
                f"I read questions of up to {MAX_QUESTION_CHARS}."
            )
        try:
            # auto: the extractive answer where it is confident, else the LLM's where one is
            # configured; an LLM failure leaves the extractive answer (service/generative/).
            result = await self.answerer.ask(question, mode="auto")
        except IndexUnavailableError:
            log.warning("%s: no index loaded; told the asker to try later", label)
            return notice(INDEX_NOT_READY)
        except Exception:
            log.exception("%s: the engine failed", label)
            return notice(f"Sorry, something went wrong while answering that ({label}).")
        return result

    # -- posting ---------------------------------------------------------------------------

    async def tell(self, message: Message, reply: Reply) -> None:
        """Posts a message that answers nothing (a usage hint)."""
        await self.post(message, reply)

    async def post(self, message: Message, reply: Reply) -> bool:
        """Posts `message` where `reply` says; False (logged with the label) where it failed."""
        try:
            if reply.response_url is not None:
                ok = await self._respond(reply.response_url, message, reply.label)
            elif reply.channel is not None:
                ok = await self._post_message(reply.channel, reply.thread_ts, message)
            else:
                log.error("%s: nowhere to post the answer", reply.label)
                ok = False
        except SlackApiError as exc:
            # Retries (rate limits with Retry-After, dropped connections) are done by then.
            error = exc.response.get("error") if exc.response is not None else None
            log.error("%s: Slack refused the answer: %s", reply.label, error or exc)
            ok = False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.error("%s: cannot reach Slack to post the answer: %r", reply.label, exc)
            ok = False
        self.metrics.answers.labels("posted" if ok else "failed").inc()
        return ok

    async def _post_message(self, channel: str, thread_ts: str | None, message: Message) -> bool:
        await self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return True  # slack_sdk raises SlackApiError for ok: false

    async def respond(self, response_url: str, message: Message, label: str, **fields: Any) -> bool:
        """Posts to a `response_url` (a slash command's or a button click's)."""
        try:
            return await self._respond(response_url, message, label, **fields)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.error("%s: cannot reach the response_url: %r", label, exc)
            return False

    async def _respond(
        self, response_url: str, message: Message, label: str, **fields: Any
    ) -> bool:
        webhook = AsyncWebhookClient(
            response_url,
            timeout=WEB_TIMEOUT_S,
            session=self._session,
            retry_handlers=self._retry_handlers,
        )
        options: dict[str, Any] = {"response_type": "in_channel", **fields}
        response = await webhook.send(
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
            **options,
        )
        if response.status_code != 200:
            log.error(
                "%s: the response_url refused the answer: %s %s",
                label,
                response.status_code,
                response.body[:200],
            )
            return False
        return True
