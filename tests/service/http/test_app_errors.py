"""Every error path answers in one JSON shape; 422 keeps FastAPI's shape and names the field.

These are about plumbing, so the app runs without an index (the engine is alive, not ready).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(index_dir=tmp_path / "empty-index", **overrides)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = _settings(
        tmp_path, api_keys=["good-key"], rate_limit_per_minute=2, max_body_bytes=2048
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


AUTH = {"Authorization": "Bearer good-key"}

# (method, path, request kwargs, status, code); each runs on a fresh app (fresh rate limit).
ERROR_PATHS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/readyz", {}, 503, "index_unavailable"),
    ("POST", "/search", {"json": {"query": "chips"}, "headers": AUTH}, 503, "index_unavailable"),
    ("POST", "/ask", {"json": {"question": "who?"}, "headers": AUTH}, 503, "index_unavailable"),
    ("GET", "/ask", {"params": {"q": "who?"}, "headers": AUTH}, 503, "index_unavailable"),
    ("GET", "/articles/some-id", {"headers": AUTH}, 503, "index_unavailable"),
    ("GET", "/info", {"headers": AUTH}, 503, "index_unavailable"),
    ("GET", "/info", {}, 401, "unauthorized"),
    ("GET", "/static/no-such-file.js", {}, 404, "not_found"),
    (
        "POST",
        "/ask",
        {"json": {"question": "who?", "mode": "generative"}, "headers": AUTH},
        400,
        "llm_not_configured",
    ),
    ("GET", "/no-such-route", {"headers": AUTH}, 404, "not_found"),
    ("DELETE", "/search", {"headers": AUTH}, 405, "method_not_allowed"),
    ("POST", "/search", {"json": {"query": "chips"}}, 401, "unauthorized"),
    ("GET", "/metrics", {"headers": {"Authorization": "Bearer bad"}}, 401, "unauthorized"),
    ("GET", "/docs", {"headers": {"Authorization": "Basic Z29vZC1rZXk6"}}, 401, "unauthorized"),
    (
        "POST",
        "/search",
        {"content": b'{"query": "' + b"x" * 4000 + b'"}', "headers": AUTH},
        413,
        "payload_too_large",
    ),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), ERROR_PATHS)
def test_error_paths_share_one_shape(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    assert_error_shape(client.request(method, path, **kwargs), status, code)


def test_unauthorized_names_the_bearer_scheme(client: TestClient) -> None:
    response = client.post("/ask", json={"question": "who?"})
    assert response.headers["www-authenticate"] == "Bearer"


def test_rate_limited_says_when_to_retry(client: TestClient) -> None:
    for _ in range(2):
        assert client.get("/metrics", headers=AUTH).status_code == 200
    response = client.get("/metrics", headers=AUTH)
    assert_error_shape(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1


def test_internal_errors_hide_the_cause(tmp_path: Path) -> None:
    engine = QAEngine(_settings(tmp_path))
    secret = "sk-live-do-not-leak"

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"database password is {secret}")

    engine.search = explode  # type: ignore[method-assign]
    app = create_app(_settings(tmp_path), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.post("/search", json={"query": "anything"})
    assert_error_shape(response, 500, "internal_error")
    assert secret not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "chips", "top_k": 0}, "top_k"),
        ({"query": "chips", "top_k": 51}, "top_k"),
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 1001}, "query"),
        ({"query": "chips", "mode": "fuzzy"}, "mode"),
        ({"query": "chips", "topk": 3}, "topk"),
        ({"query": "chips", "as_of": "last tuesday"}, "as_of"),
        ({"query": "chips", "filters": {"published_after": "2026-13-01"}}, "published_after"),
        ({"query": "chips", "filters": {"sources": "CNN"}}, "sources"),
    ],
)
def test_validation_errors_keep_fastapis_shape_and_name_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/search", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(field in [str(part) for part in error["loc"]] for error in detail), detail


def test_filters_with_an_empty_date_range_are_refused(client: TestClient) -> None:
    filters = {"published_after": "2026-02-01", "published_before": "2026-01-01"}
    response = client.post("/ask", json={"question": "who?", "filters": filters}, headers=AUTH)
    assert response.status_code == 422
    assert "published_after" in response.text


def test_get_ask_needs_a_non_blank_question(client: TestClient) -> None:
    response = client.get("/ask", params={"q": "  "}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


def test_malformed_json_is_a_client_error(client: TestClient) -> None:
    response = client.post(
        "/search", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "detail" in response.json()


def test_health_is_always_alive(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
