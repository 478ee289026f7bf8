"""A verified request's body as the payload Bolt dispatches, or a 400/415 saying what is wrong.

Slack sends events as JSON, slash commands as a form, and interactions as a form whose
`payload` field is JSON. Bolt's own parser would raise (a 500) on bad JSON, and takes any form
that merely contains the word "payload" (`/ask what payload does Starship carry?`) for an
interaction; this one does neither.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from service.http.errors import ApiError

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# The fields Bolt reads from every payload, wherever they appear, and the types it assumes
# (slack_bolt/request/internals.py): a payload that breaks them is malformed, not a 500.
_OBJECTS = (
    "event", "message", "previous_message", "view", "item", "assistant_thread",
    "function_data", "container", "state",
)  # fmt: skip
_IDS = ("enterprise", "team", "user", "channel")  # an id, or an object holding one
_LISTS_OF_OBJECTS = ("authorizations", "response_urls", "actions")
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def parse_payload(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The payload of a Slack request body, checked for the fields the bot relies on."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad("the request body is not UTF-8") from exc
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == JSON:
        return _checked_json(text, "the request body")
    if media_type != FORM:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Slack requests are {JSON} or {FORM}, not {media_type or 'untyped'}",
        )
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except ValueError as exc:
        raise _bad("the form body cannot be parsed") from exc
    if "payload" in form:
        return _checked_json(form["payload"], "the form's payload field")
    if form.get("command", "").startswith("/"):
        return form
    if form.get("ssl_check") == "1":
        return form
    raise _bad("the form body is neither a slash command nor an interaction payload")


def _checked_json(text: str, what: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise _bad(f"{what} is not valid JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise _bad(f"{what} is not a JSON object with a type")
    _check_shape(payload, what)
    kind = payload["type"]
    if kind == "url_verification" and not isinstance(payload.get("challenge"), str):
        raise _bad("a url_verification payload needs a challenge")
    if kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise _bad("an event_callback payload needs an event with a type")
        if not isinstance(payload.get("event_id"), str) or not payload["event_id"]:
            raise _bad("an event_callback payload needs an event_id")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not actions or not all(isinstance(a.get("action_id"), str) for a in actions):
            raise _bad("a block_actions payload needs actions, each with an action_id")
    return payload


def _check_shape(payload: dict[str, Any], where: str, depth: int = 0) -> None:
    for key in _OBJECTS:
        if key in payload and not isinstance(payload[key], dict):
            raise _bad(f"{where}: {key} is not an object")
    for key in _IDS:
        if payload.get(key) is not None and not isinstance(payload[key], str | dict):
            raise _bad(f"{where}: {key} is neither an id nor an object")
    for key in _LISTS_OF_OBJECTS:
        value = payload.get(key)
        if key in payload and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            raise _bad(f"{where}: {key} is not a list of objects")
    if depth < 3:  # Slack nests a message in an event in a payload, no deeper
        nested = [payload[key] for key in _NESTED if isinstance(payload.get(key), dict)]
        nested += payload.get("authorizations") or []
        for inner in nested:
            _check_shape(inner, where, depth + 1)
