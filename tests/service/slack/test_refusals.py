"""Every bad request to /slack/events is refused with a 4xx in the service's error shape, before
anything reaches the bot; url_verification is answered only when signed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.slack_payloads import event_callback, form_body, json_body, mention, signed
from service.slack.signature import sign
from tests.service.http.test_app_errors import assert_error_shape
from tests.service.slack.conftest import SECRET, Server

pytestmark = pytest.mark.slow

EVENT = json_body(event_callback(mention("Where is Orbital Labs based?", channel="C0REFUSED")))


def _signed_with(timestamp: str, body: bytes, content_type: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(SECRET, timestamp, body),
    }


def _missing_signature() -> tuple[bytes, dict[str, str]]:
    body, content_type = EVENT
    headers = signed(SECRET, body, content_type)
    del headers["X-Slack-Signature"]
    return body, headers


def _missing_timestamp() -> tuple[bytes, dict[str, str]]:
    body, content_type = EVENT
    headers = signed(SECRET, body, content_type)
    del headers["X-Slack-Request-Timestamp"]
    return body, headers


def _wrong_secret() -> tuple[bytes, dict[str, str]]:
    body, content_type = EVENT
    return body, signed("not-the-secret", body, content_type)


def _tampered_body() -> tuple[bytes, dict[str, str]]:
    body, content_type = EVENT
    headers = signed(SECRET, body, content_type)
    return body.replace(b"Orbital", b"Orbitak"), headers


def _garbage_signature() -> tuple[bytes, dict[str, Any]]:
    body, content_type = EVENT
    # A byte that is not ASCII: headers arrive as latin-1 text, compared as bytes.
    return body, {**signed(SECRET, body, content_type), "X-Slack-Signature": b"v0=zz\xe9"}


def _at(offset_s: int) -> Callable[[], tuple[bytes, dict[str, str]]]:
    def make() -> tuple[bytes, dict[str, str]]:
        body, content_type = EVENT
        return body, signed(SECRET, body, content_type, timestamp=int(time.time()) + offset_s)

    return make


def _timestamp(value: str) -> Callable[[], tuple[bytes, dict[str, str]]]:
    def make() -> tuple[bytes, dict[str, str]]:
        body, content_type = EVENT
        return body, _signed_with(value, body, content_type)

    return make


def _signed_body(body: bytes, content_type: str) -> Callable[[], tuple[bytes, dict[str, str]]]:
    def make() -> tuple[bytes, dict[str, str]]:
        return body, signed(SECRET, body, content_type)

    return make


def _unsigned_challenge() -> tuple[bytes, dict[str, str]]:
    body, content_type = json_body({"type": "url_verification", "challenge": "c-1", "token": "t"})
    return body, {"Content-Type": content_type}


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BAD_REQUESTS: dict[str, tuple[Callable[[], tuple[bytes, dict[str, Any]]], int, str]] = {
    "missing signature": (_missing_signature, 401, "unauthorized"),
    "missing timestamp": (_missing_timestamp, 401, "unauthorized"),
    "wrong secret": (_wrong_secret, 401, "unauthorized"),
    "tampered body": (_tampered_body, 401, "unauthorized"),
    "garbage signature": (_garbage_signature, 401, "unauthorized"),
    "stale timestamp": (_at(-360), 401, "unauthorized"),  # the exact edge: test_signature
    "future timestamp": (_at(+360), 401, "unauthorized"),
    "unsigned url_verification": (_unsigned_challenge, 401, "unauthorized"),
    "non-numeric timestamp": (_timestamp("17e8"), 400, "bad_request"),
    "negative timestamp": (_timestamp("-1700000000"), 400, "bad_request"),
    "5,000-digit timestamp": (_timestamp("9" * 5000), 400, "bad_request"),
    "non-UTF-8 body": (_signed_body(b'{"type": "event_callback\xff"}', JSON), 400, "bad_request"),
    "not JSON": (_signed_body(b'{"type": "event_callback",', JSON), 400, "bad_request"),
    "a JSON list": (_signed_body(b"[1, 2]", JSON), 400, "bad_request"),
    "no type": (_signed_body(b'{"event": {}}', JSON), 400, "bad_request"),
    "event without type": (
        _signed_body(b'{"type": "event_callback", "event_id": "Ev1", "event": {}}', JSON),
        400,
        "bad_request",
    ),
    "event without id": (
        _signed_body(b'{"type": "event_callback", "event": {"type": "app_mention"}}', JSON),
        400,
        "bad_request",
    ),
    "challenge without challenge": (
        _signed_body(b'{"type": "url_verification"}', JSON),
        400,
        "bad_request",
    ),
    "form without command or payload": (_signed_body(b"text=hello", FORM), 400, "bad_request"),
    "payload not JSON": (_signed_body(*form_body({"payload": "{oops"})), 400, "bad_request"),
    "actions not a list": (
        _signed_body(*form_body({"payload": json.dumps({"type": "block_actions"})})),
        400,
        "bad_request",
    ),
    "broken form": (_signed_body(b"command=%2Fask&&=&text", FORM), 400, "bad_request"),
    "plain text": (_signed_body(b"hello", "text/plain"), 415, "unsupported_media_type"),
    "oversized": (
        _signed_body(b'{"type": "x", "pad": "' + b"p" * 9000 + b'"}', JSON),
        413,
        "payload_too_large",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS), ids=list(BAD_REQUESTS))
def test_a_bad_request_is_refused_in_the_error_shape(server: Server, case: str) -> None:
    make, status, code = BAD_REQUESTS[case]
    body, headers = make()
    before = len(server.fake.calls)
    response = server.post(body, headers)
    assert_error_shape(response, status, code)
    assert len(server.fake.calls) == before  # nothing reached the bot


def test_a_chunked_oversized_body_is_refused(server: Server) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 1000

    response = httpx.post(
        f"{server.url}/slack/events",
        content=chunks(),
        headers={"Content-Type": JSON},
        timeout=10,
    )
    assert_error_shape(response, 413, "payload_too_large")


def test_a_signed_url_verification_is_answered(server: Server) -> None:
    response = server.deliver({"type": "url_verification", "challenge": "c-42", "token": "t"})
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-42"}


def test_a_signed_request_the_bot_does_not_handle_is_acknowledged(server: Server) -> None:
    # Slack retries anything but a 2xx; an event type nobody listens for must not loop.
    response = server.deliver(event_callback({"type": "reaction_added", "user": "U1"}))
    assert response.status_code == 200
    response = server.deliver({"type": "app_rate_limited", "minute_rate_limited": 1})
    assert response.status_code == 200


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_FIELDS = st.sampled_from(
    ["event", "event_id", "actions", "user", "channel", "challenge", "response_url", "text", "ts"]
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(
        ["event_callback", "block_actions", "url_verification", "view_submission"]
    ),
    fields=st.dictionaries(_FIELDS, _VALUES, max_size=5),
    event=st.dictionaries(
        st.sampled_from(["type", "channel", "ts", "user", "text", "thread_ts", "subtype"]),
        _VALUES,
        max_size=6,
    ),
)
def test_no_signed_payload_makes_a_server_error(
    server: Server, kind: str, fields: dict[str, Any], event: dict[str, Any]
) -> None:
    payload = {**fields, "type": kind}
    if kind == "event_callback" and isinstance(payload.get("event"), dict):
        payload["event"] = {**event, **payload["event"]}
    if kind == "block_actions":
        body, content_type = form_body({"payload": json.dumps(payload)})
    else:
        body, content_type = json_body(payload)
    response = server.post(body, signed(SECRET, body, content_type))
    assert response.status_code < 500, (payload, response.text)
    if response.status_code >= 400:
        assert_error_shape(response, response.status_code, response.json()["error"]["code"])
