"""Slack's request signatures (docs.slack.dev "Verifying requests from Slack"): HMAC-SHA256 of
`v0:{timestamp}:{body}` with the signing secret, sent as `X-Slack-Signature: v0=<hex>`.

Checked here over the raw bytes, before anything reads the body: slack_sdk's SignatureVerifier
takes the body as text, and decoding first would answer a forged non-UTF-8 body with 400
instead of 401. A request more than five minutes from our clock, either way, is refused, so a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from service.http.errors import ApiError

MAX_SKEW_S = 300
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
_TIMESTAMP = re.compile(r"[0-9]{1,15}")


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The `X-Slack-Signature` value Slack sends for `body` at `timestamp`."""
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The two headers that sign `body` (for clients that stand in for Slack: tests, bench)."""
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raises ApiError: 401 for a missing or wrong signature or a timestamp outside the
    five-minute window, 400 for a timestamp that is not a number of seconds."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise ApiError(
            401, "unauthorized", "missing X-Slack-Signature or X-Slack-Request-Timestamp"
        )
    if _TIMESTAMP.fullmatch(timestamp) is None:
        raise ApiError(
            400, "bad_request", "X-Slack-Request-Timestamp is not a whole number of seconds"
        )
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        raise ApiError(
            401,
            "unauthorized",
            "X-Slack-Request-Timestamp is more than 5 minutes from the server's clock",
        )
    expected = sign(secret, timestamp, body).encode("ascii")
    # Header values arrive as latin-1 text; compared as bytes, in constant time.
    if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        raise ApiError(401, "unauthorized", "X-Slack-Signature does not match the request")
