"""Slack's request signatures: the documented example, agreement with slack_sdk, the window."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from service.http.errors import ApiError
from service.slack.signature import sign, signed_headers, verify

# The example in Slack's "Verifying requests from Slack".
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = "1531420618"
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
    "85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c4"
    "47fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_the_documented_example_signs_and_verifies() -> None:
    assert sign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY.encode()) == DOC_SIGNATURE
    headers = {"x-slack-request-timestamp": DOC_TIMESTAMP, "x-slack-signature": DOC_SIGNATURE}
    verify(DOC_SECRET, headers, DOC_BODY.encode(), now=1531420618 + 299)


@given(
    body=st.text(max_size=200),
    timestamp=st.integers(0, 2**40),
    secret=st.text(min_size=1).filter(str.strip),  # slack_sdk refuses a blank secret
)
def test_signatures_agree_with_slack_sdk(body: str, timestamp: int, secret: str) -> None:
    expected = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert sign(secret, timestamp, body.encode()) == expected


def _refusal(headers: dict[str, str], body: bytes = b"{}", now: float = 1_000_000) -> ApiError:
    with pytest.raises(ApiError) as info:
        verify("secret", {k.lower(): v for k, v in headers.items()}, body, now)
    return info.value


def test_the_window_is_five_minutes_both_ways() -> None:
    for offset in (-300, 0, 300):
        verify("secret", _lower(signed_headers("secret", b"{}", 1_000_000 + offset)), b"{}", 1e6)
    for offset in (-301, 301):
        refusal = _refusal(signed_headers("secret", b"{}", 1_000_000 + offset))
        assert (refusal.status, refusal.code) == (401, "unauthorized")
        assert "5 minutes" in refusal.message


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@pytest.mark.parametrize(
    "timestamp", ["", "abc", "1.5", " 1000000", "-5", "\uff11\uff10", "9" * 16]
)
def test_a_timestamp_that_is_not_whole_seconds_is_a_bad_request(timestamp: str) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
    refusal = _refusal(headers)
    # An empty header is a missing one (401); anything else unreadable is a 400.
    assert refusal.status == (401 if timestamp == "" else 400)


def test_a_wrong_or_missing_signature_is_unauthorized() -> None:
    good = signed_headers("secret", b"{}", 1_000_000)
    for headers in (
        {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-1] + "0"},
        {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]},
        {"X-Slack-Request-Timestamp": "1000000"},
        {"X-Slack-Signature": good["X-Slack-Signature"]},
    ):
        refusal = _refusal(headers)
        assert (refusal.status, refusal.code) == (401, "unauthorized")
    assert _refusal(good, body=b"{} ").status == 401  # one byte more
