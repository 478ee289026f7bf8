"""What can go wrong with the LLM endpoint; each error's `reason` is its `fallback_reason`.

These know nothing of HTTP (service/http/errors.py maps the few that reach a client).
"""

from __future__ import annotations


class LLMError(Exception):
    """The LLM endpoint gave no usable answer."""

    reason = "upstream_error"
    retryable = False


NOT_CONFIGURED = (
    "generative answers need an LLM endpoint: set NEWSQA_LLM_BASE_URL (and NEWSQA_LLM_MODEL)"
)


class LLMNotConfiguredError(LLMError):
    """Generative answers were asked for, but no endpoint is configured."""

    reason = "llm_not_configured"

    def __init__(self, message: str = NOT_CONFIGURED) -> None:
        super().__init__(message)


class CircuitOpenError(LLMError):
    """Recent calls failed; the breaker holds calls back for a while."""

    reason = "circuit_open"


class UpstreamTimeoutError(LLMError):
    """No connection, or no byte, within the connect or read timeout."""

    reason = "upstream_timeout"
    retryable = True


class UpstreamDeadlineError(LLMError):
    """The whole call (retries included) ran past the total deadline."""

    reason = "upstream_deadline"


class UpstreamUnavailableError(LLMError):
    """Connection refused or reset, or a 5xx answer."""

    reason = "upstream_unavailable"
    retryable = True


class UpstreamRateLimitedError(LLMError):
    """429; `retry_after` is the wait the endpoint asked for, in seconds, where it said one."""

    reason = "upstream_rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamRejectedError(LLMError):
    """The endpoint refused the request itself (400, 401, 403, 404, 422, a redirect): retrying
    cannot help; the configuration or the request needs fixing."""

    reason = "upstream_rejected"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UpstreamAddressRefusedError(LLMError):
    """The endpoint's host now resolves to an address the endpoint policy refuses."""

    reason = "upstream_address_refused"


class UpstreamMalformedError(LLMError):
    """The answer is not a chat completion: not JSON, the wrong shape, or no text."""

    reason = "upstream_malformed"


class UpstreamStreamError(LLMError):
    """The stream carried an error event."""

    reason = "upstream_stream_error"


class UpstreamIncompleteError(LLMError):
    """The stream ended without its closing `[DONE]`."""

    reason = "upstream_incomplete"


class UpstreamTooLargeError(LLMError):
    """The answer ran past NEWSQA_LLM_MAX_RESPONSE_BYTES."""

    reason = "upstream_too_large"
