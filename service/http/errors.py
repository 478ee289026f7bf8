"""Maps domain errors to HTTP: every error body is {"error": {"code": ..., "message": ...}}.

Validation errors (422) keep FastAPI's {"detail": [...]} shape, which names the bad field, with
what they echo made safe to encode (FastAPI's own handler fails on a lone surrogate or on NaN).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.errors import IndexCorruptError, IndexMismatchError, IndexStoreError, NoIndexError
from service.engine import ArticleNotFoundError, IndexUnavailableError, ModeUnavailableError
from service.generative.errors import LLMError, LLMNotConfiguredError
from service.types import InvalidQueryError

log = logging.getLogger(__name__)

# Codes for the statuses Starlette raises by itself (unknown route, wrong method, ...).
_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    408: "request_timeout",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    501: "not_implemented",
    502: "bad_gateway",
    503: "index_unavailable",
}


class ApiError(Exception):
    """An HTTP-level refusal (auth, limits) raised by the service's own layers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one error body every non-422 error uses."""
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def to_response(exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return to_response(exc)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES_BY_STATUS.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


def encodable(value: Any) -> Any:
    """`value` (JSON-like) with what JSON cannot carry made printable: a lone surrogate
    escaped (\\ud800), a non-finite number as text ("inf", "nan")."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(item) for item in value]
    return value


def validation_response(errors: Any) -> JSONResponse:
    """422 in FastAPI's shape, {"detail": [{"type", "loc", "msg", "input", ...}]}."""
    return JSONResponse({"detail": encodable(jsonable_encoder(errors))}, status_code=422)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_response(exc.errors())


async def _invalid_query(_: Request, exc: Exception) -> JSONResponse:
    # Input the boundary let through but the engine refused: still the caller's to fix.
    error = {"type": "value_error", "loc": ["body"], "msg": str(exc), "input": None}
    return validation_response([error])


async def _index_unavailable(_: Request, exc: Exception) -> JSONResponse:
    # The message names the index directory only, never a file's contents or a trace.
    return error_response(503, "index_unavailable", str(exc) or "no index is loaded")


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return error_response(404, "not_found", str(exc))


async def _not_implemented(_: Request, exc: Exception) -> JSONResponse:
    return error_response(501, "not_implemented", str(exc))


async def _llm_not_configured(_: Request, exc: Exception) -> JSONResponse:
    # The deployment's choice, not a server fault: the message names the setting to add.
    return error_response(400, "llm_not_configured", str(exc))


async def _llm_failed(_: Request, exc: Exception) -> JSONResponse:
    # Only refusals of the request itself get here (others fall back to extractive answers);
    # messages are built by service/generative/client.py and never hold the API key.
    assert isinstance(exc, LLMError)
    return error_response(502, exc.reason, str(exc))


async def _internal(_: Request, exc: Exception) -> JSONResponse:
    # Logged with its trace for the operator; the client sees a fixed message only.
    log.error("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Registers the mapping from exceptions to the error shape on `app`."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidQueryError, _invalid_query)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for index_error in (
        IndexUnavailableError,
        NoIndexError,
        IndexCorruptError,
        IndexMismatchError,
        IndexStoreError,  # a Milvus server that does not answer
    ):
        app.add_exception_handler(index_error, _index_unavailable)
    app.add_exception_handler(ArticleNotFoundError, _not_found)
    app.add_exception_handler(ModeUnavailableError, _not_implemented)
    app.add_exception_handler(LLMNotConfiguredError, _llm_not_configured)
    app.add_exception_handler(LLMError, _llm_failed)
    app.add_exception_handler(Exception, _internal)
