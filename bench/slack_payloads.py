"""What Slack sends a bot, for clients that stand in for Slack (the tests, the benchmark):
event callbacks, slash command forms, button clicks and Socket Mode envelopes, signed.

Shapes follow docs.slack.dev (Events API, slash commands, block_actions, Socket Mode).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from service.slack.signature import signed_headers

TEAM_ID = "T0LOOP"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
API_APP_ID = "A0LOOP"

_clock = itertools.count(1_700_000_000_000_001)


def message_ts() -> str:
    """A fresh Slack message timestamp ("1700000000.000001"-like), unique in this process."""
    micro = next(_clock)
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "unused-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
        ],
    }


def mention(
    text: str,
    *,
    channel: str = "C0GENERAL",
    user: str = "U0ASKER",
    ts: str | None = None,
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An app_mention event: `text` follows the bot's mention."""
    ts = ts or message_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **({"thread_ts": thread_ts} if thread_ts else {}),
        **extra,
    }
    return event


def direct_message(
    text: str,
    *,
    channel: str = "D0DIRECT",
    user: str = "U0ASKER",
    ts: str | None = None,
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A message.im event (a direct message to the bot)."""
    ts = ts or message_ts()
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **({"thread_ts": thread_ts} if thread_ts else {}),
        **extra,
    }


def slash_command(text: str, response_url: str, *, user: str = "U0ASKER") -> dict[str, str]:
    """The fields of a /ask invocation (a form over HTTP, an object over Socket Mode)."""
    return {
        "token": "unused-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "loopback",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": user,
        "user_name": "asker",
        "command": "/ask",
        "text": text,
        "api_app_id": API_APP_ID,
        "response_url": response_url,
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
    }


def button_click(
    action: dict[str, Any], response_url: str, *, user: str = "U0VOTER", channel: str = "C0GENERAL"
) -> dict[str, Any]:
    """A block_actions payload: `user` clicked `action` (a button as the bot rendered it)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "loopback"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": "unused-verification-token",
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action["action_id"],
                "block_id": "newsqa_feedback",
                "value": action["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def json_body(payload: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps(payload).encode(), "application/json"


def form_body(fields: dict[str, str]) -> tuple[bytes, str]:
    return urlencode(fields).encode(), "application/x-www-form-urlencoded"


def interaction_body(payload: dict[str, Any]) -> tuple[bytes, str]:
    return form_body({"payload": json.dumps(payload)})


def signed(
    secret: str, body: bytes, content_type: str, *, timestamp: int | None = None, retry: int = 0
) -> dict[str, str]:
    """Headers Slack would send with `body` (delivery `retry` > 0 is a redelivery)."""
    headers = signed_headers(secret, body, int(time.time()) if timestamp is None else timestamp)
    headers["Content-Type"] = content_type
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def envelope(kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> dict[str, Any]:
    """A Socket Mode envelope: kind is events_api, slash_commands or interactive."""
    body: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        body["retry_attempt"] = retry_attempt
        body["retry_reason"] = "timeout" if retry_attempt else ""
    return body
