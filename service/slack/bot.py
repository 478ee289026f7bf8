"""The running bot: a Bolt app with the listeners, its Web API client and its stores, started
inside an event loop and closed with the answers in flight given time to be posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from service.config import Settings
from service.generative.modes import Answerer
from service.slack.answering import WEB_TIMEOUT_S, Responder
from service.slack.dedup import DeliveryLedger
from service.slack.feedback import FeedbackStore
from service.slack.handlers import Listeners
from service.slack.metrics import SlackMetrics
from service.slack.settings import SlackConfigError, api_url, bot_token, state_dir
from service.slack.sqlite_state import SharedSQLite
from service.slack.tasks import AnswerTasks
from service.slack.threads import ThreadMemory

log = logging.getLogger(__name__)

# auth.test errors that mean the token itself is wrong: bad configuration, so start-up fails.
BAD_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


def retry_handlers() -> list[AsyncRetryHandler]:
    """Slack's own retry policies: wait out `Retry-After` on 429, retry dropped connections
    and Slack's 500/503s a couple of times."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


@dataclass
class SlackBot:
    bolt: AsyncApp
    client: AsyncWebClient
    responder: Responder
    tasks: AnswerTasks
    feedback: FeedbackStore
    metrics: SlackMetrics
    db: SharedSQLite
    _session: aiohttp.ClientSession

    @classmethod
    async def start(cls, settings: Settings, answerer: Answerer, metrics: SlackMetrics) -> SlackBot:
        """Builds the bot inside the running loop and checks its token with auth.test;
        `answerer` is the service's (generative answers where an LLM is configured).

        Raises SlackConfigError for a token Slack refuses; a Slack that cannot be reached is
        logged and tried again on the first event.
        """
        session = aiohttp.ClientSession()
        handlers = retry_handlers()
        client = AsyncWebClient(
            token=bot_token(settings),
            base_url=api_url(settings),
            session=session,
            timeout=WEB_TIMEOUT_S,
            retry_handlers=handlers,
            logger=logging.getLogger("service.slack.web"),
        )
        try:
            await _check_token(client)
            db = SharedSQLite(state_dir(settings) / "slack.sqlite")
            threads, feedback, ledger = ThreadMemory(db), FeedbackStore(db), DeliveryLedger(db)
        except BaseException:
            await session.close()
            raise
        tasks = AnswerTasks()
        responder = Responder(
            answerer,
            client,
            session=session,
            retry_handlers=handlers,
            threads=threads,
            metrics=metrics,
        )
        bolt = AsyncApp(
            name="newsqa",
            client=client,
            # /slack/events verifies signatures itself, before Bolt (service/slack/signature.py),
            # to answer every bad request in the service's error shape; Socket Mode has none.
            request_verification_enabled=False,
            # Listeners only acknowledge and start a tracked task, so Bolt may run them before
            # it responds; its lazy listeners would be untracked fire-and-forget futures.
            process_before_response=True,
            logger=logging.getLogger("service.slack.bolt"),
        )
        Listeners(responder, tasks, ledger, feedback).register(bolt)
        log.info("Slack bot ready (state in %s)", db.path)
        return cls(bolt, client, responder, tasks, feedback, metrics, db, session)

    def read_votes(self) -> None:
        self.metrics.read_votes(self.feedback)

    async def close(self, grace_s: float) -> list[str]:
        """Lets the answers in flight finish for up to `grace_s`; returns those cancelled."""
        cancelled = await self.tasks.drain(grace_s)
        self.responder.close()
        await self._session.close()
        return cancelled


async def _check_token(client: AsyncWebClient) -> None:
    try:
        identity = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error in BAD_TOKEN_ERRORS:
            raise SlackConfigError(
                f"Slack refused NEWSQA_SLACK_BOT_TOKEN: {error}; check the bot token"
            ) from exc
        log.error("Slack's auth.test failed (%s); will try again on the first event", error)
        return
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.error(
            "cannot reach Slack at %s (%r); will try on the first event", client.base_url, exc
        )
        return
    log.info(
        "Slack bot %s (%s) in workspace %s",
        identity.get("user"),
        identity.get("user_id"),
        identity.get("team"),
    )
