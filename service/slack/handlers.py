"""The bot's Bolt listeners, shared by both transports (HTTP events and Socket Mode).

Each listener acknowledges at once and leaves the answer to a tracked task, so Slack's
3-second deadline holds however long an answer takes. It answers people only: never a bot
(itself included), an edit, or a message subtype it does not handle.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest

from service.slack.answering import Reply, Responder
from service.slack.blocks import (
    FEEDBACK_ACTION_PREFIX,
    HELPFUL_ACTION,
    FeedbackRef,
    Message,
    notice,
)
from service.slack.dedup import DeliveryLedger
from service.slack.feedback import FeedbackStore, Vote
from service.slack.metrics import EventKind
from service.slack.mrkdwn import question_text
from service.slack.tasks import AnswerTasks

log = logging.getLogger(__name__)

USAGE = {
    "mention": "Mention me with a question about AI-industry news, e.g. "
    "“@newsqa who leads Superintelligence Labs?”",
    "dm": "Ask me a question about AI-industry news, e.g. “who leads Superintelligence Labs?”",
    "command": "Ask a question after the command, e.g. `/ask who leads Superintelligence Labs?`",
}


class Listeners:
    """The handlers, bound to the bot's parts; `register` puts them on a Bolt app."""

    def __init__(
        self,
        responder: Responder,
        tasks: AnswerTasks,
        ledger: DeliveryLedger,
        feedback: FeedbackStore,
    ) -> None:
        self.responder = responder
        self.tasks = tasks
        self.ledger = ledger
        self.feedback = feedback
        self.metrics = responder.metrics

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        # Anything else subscribed (or added to the manifest later) is acknowledged, so that
        # Slack does not deliver it again and again.
        app.event(re.compile(".*"))(self.on_other_event)
        # Any command routed here asks: teams may rename /ask where it clashes.
        app.command(re.compile(".*"))(self.on_command)
        app.action(re.compile(f"^{re.escape(FEEDBACK_ACTION_PREFIX)}"))(self.on_feedback)

    # -- events ----------------------------------------------------------------------------

    async def on_mention(
        self, ack: AsyncAck, request: AsyncBoltRequest, event: dict[str, Any]
    ) -> None:
        await self._on_question_event("mention", ack, request, event)

    async def on_message(
        self, ack: AsyncAck, request: AsyncBoltRequest, event: dict[str, Any]
    ) -> None:
        if event.get("channel_type") != "im":
            # Channel messages reach the bot as app_mention events; a subscription to channel
            # history (not in the manifest) would otherwise make it answer every message.
            await ack()
            self.metrics.event("other", "ignored")
            return
        await self._on_question_event("dm", ack, request, event)

    async def on_other_event(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event_type = (body.get("event") or {}).get("type")
        log.debug("ignored a %s event", event_type)
        self.metrics.event("other", "ignored")

    async def _on_question_event(
        self,
        kind: EventKind,
        ack: AsyncAck,
        request: AsyncBoltRequest,
        event: dict[str, Any],
    ) -> None:
        await ack()  # over HTTP the ack has gone already; over Socket Mode it goes on return
        context: AsyncBoltContext = request.context
        event_id = str(request.body.get("event_id") or "")
        label = f"event {event_id or '(no id)'}"
        skip = skip_reason(event, context.bot_user_id)
        if skip is not None:
            log.debug("%s: not answered (%s)", label, skip)
            self.metrics.event(kind, "ignored")
            return
        channel, ts = str(event["channel"]), str(event["ts"])
        # The event id, and the message itself: a DM that mentions the bot can come both as
        # message.im and as app_mention, two events for one question.
        keys = [f"event:{event_id}"] if event_id else []
        keys.append(f"message:{channel}:{ts}")
        # In a thread: the claim may wait on another process's transaction (SQLite's busy
        # handler sleeps), which must not stall the event loop and every request on it.
        if not await self.responder.in_state_thread(self.ledger.claim, *keys):
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            log.info("%s: already taken; retry %s not answered again", label, retry)
            self.metrics.event(kind, "duplicate")
            return
        self.metrics.event(kind, "answering")
        thread_ts = str(event.get("thread_ts") or ts)
        reply = Reply(label=label, channel=channel, thread_ts=thread_ts)
        question = question_text(str(event.get("text") or ""), context.bot_user_id)
        if not question:
            self.tasks.start(self.responder.tell(notice(USAGE[kind]), reply), label)
            return
        follow_up = "thread_ts" in event and event["thread_ts"] != ts
        self.tasks.start(self.responder.answer(question, reply, follow_up=follow_up), label)

    # -- slash commands --------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        question = question_text(str(command.get("text") or ""))
        user = command.get("user_id", "?")
        label = f"{command.get('command', 'command')} from {user} ({command.get('trigger_id')})"
        response_url = command.get("response_url")
        if not question:
            await ack(response_type="ephemeral", text=USAGE["command"])
            self.metrics.event("command", "ignored")
            return
        if not response_url:
            await ack(
                response_type="ephemeral",
                text="Slack sent no response_url with this command, so I cannot answer.",
            )
            log.error("%s: no response_url; not answered", label)
            self.metrics.event("command", "ignored")
            return
        await ack(response_type="ephemeral", text=f"Looking that up: {question}")
        self.metrics.event("command", "answering")
        reply = Reply(label=label, response_url=str(response_url), echo_question=True)
        self.tasks.start(self.responder.answer(question, reply), label)

    # -- feedback buttons ------------------------------------------------------------------

    async def on_feedback(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        user = body.get("user")
        user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
        try:
            ref = FeedbackRef.decode(str(action.get("value") or ""))
            if not user_id:
                raise ValueError("no user")
        except ValueError:
            log.warning("a feedback click without an answer reference or user; not stored")
            self.metrics.event("feedback", "ignored")
            return
        value: Any = "helpful" if action.get("action_id") == HELPFUL_ACTION else "not_helpful"
        channel = body.get("channel")
        vote = Vote(
            answer_id=ref.answer_id,
            user_id=user_id,
            vote=value,
            question=ref.question,
            answer=ref.answer,
            mode=ref.mode,
            index_version=ref.index_version,
            channel=str(channel.get("id")) if isinstance(channel, dict) else None,
        )
        label = f"feedback from {user_id} on answer {ref.answer_id}"
        try:
            # Stored before the acknowledgement goes out: a 200 means the vote is on disk.
            await self.responder.in_state_thread(self.feedback.record, vote)
        except Exception:
            log.exception("%s: cannot store the vote", label)
            return
        self.metrics.feedback_clicks.labels(value).inc()
        self.metrics.event("feedback", "answering")
        response_url = body.get("response_url")
        if response_url:
            word = "helpful" if value == "helpful" else "not helpful"
            thanks = notice(f"Thanks, noted: {word}.")
            self.tasks.start(self._thank(str(response_url), thanks, label), label)

    async def _thank(self, response_url: str, message: Message, label: str) -> None:
        await self.responder.respond(
            response_url, message, label, response_type="ephemeral", replace_original=False
        )


def skip_reason(event: dict[str, Any], bot_user_id: str | None) -> str | None:
    """Why the bot must not answer this message event; None where it should."""
    if event.get("bot_id") or event.get("bot_profile"):
        return "a bot's message"
    if event.get("subtype"):
        return f"message subtype {event['subtype']}"
    if event.get("edited"):
        return "an edited message"
    user = event.get("user")
    if not user or not isinstance(user, str):
        return "no author"
    if bot_user_id and user == bot_user_id:
        return "the bot's own message"
    if not all(isinstance(event.get(key), str) and event[key] for key in ("channel", "ts")):
        return "no channel or timestamp"
    if not isinstance(event.get("thread_ts", ""), str):
        return "a thread timestamp that is not text"
    return None
