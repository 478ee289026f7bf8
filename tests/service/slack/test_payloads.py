"""The payload check: what Slack sends passes as Bolt expects it; anything else is a clear 4xx."""

from __future__ import annotations

import json

import pytest

from bench.slack_payloads import (
    button_click,
    event_callback,
    form_body,
    interaction_body,
    json_body,
    mention,
    slash_command,
)
from service.http.errors import ApiError
from service.slack.payloads import parse_payload


def test_slack_shapes_pass_unchanged() -> None:
    event = event_callback(mention("who?"))
    assert parse_payload(*json_body(event)) == event
    command = slash_command("what payload does it carry?", "https://hooks.example/1")
    assert parse_payload(*form_body(command)) == command  # "payload" in a command's text
    click = button_click({"action_id": "newsqa_feedback_helpful", "value": "{}"}, "https://x")
    assert parse_payload(*interaction_body(click)) == click
    assert parse_payload(b"ssl_check=1&token=x", "application/x-www-form-urlencoded") == {
        "ssl_check": "1",
        "token": "x",
    }
    assert parse_payload(
        json.dumps({"type": "app_rate_limited"}).encode(), "application/json; charset=utf-8"
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"\xff", "application/json", 400, "not UTF-8"),
        (b"{", "application/json", 400, "not valid JSON"),
        (b"null", "application/json", 400, "JSON object with a type"),
        (b'{"type": 1}', "application/json", 400, "JSON object with a type"),
        (b'{"type": "event_callback", "event_id": "E", "event": null}', "application/json", 400,
         "event is not an object"),
        (b'{"type": "x", "user": [1]}', "application/json", 400, "neither an id nor an object"),
        (b'{"type": "x", "authorizations": [1]}', "application/json", 400, "list of objects"),
        (b'{"type": "x", "event": {"message": 3}}', "application/json", 400, "message is not"),
        (b"command=ask", "application/x-www-form-urlencoded", 400, "neither a slash command"),
        (b"a=1&&b", "application/x-www-form-urlencoded", 400, "cannot be parsed"),
        (b"{}", "text/plain", 415, "not text/plain"),
        (b"{}", "", 415, "not untyped"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_saying_why(
    body: bytes, content_type: str, status: int, says: str
) -> None:
    with pytest.raises(ApiError) as info:
        parse_payload(body, content_type)
    assert info.value.status == status
    assert says in info.value.message
