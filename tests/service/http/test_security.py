"""Guard rails: the token bucket, API keys, per-client limits, the body limit and CORS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.http.app import create_app
from service.http.security import PROBES, OpenPaths, TokenBucketLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refuses_with_the_wait() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(6, clock=clock)  # one token every 10 s
    assert [limiter.take("a") for _ in range(6)] == [0.0] * 6
    assert limiter.take("a") == pytest.approx(10.0)
    clock.now += 5
    assert limiter.take("a") == pytest.approx(5.0)  # half a token has come back
    clock.now += 5
    assert limiter.take("a") == 0.0


def test_bucket_refills_no_further_than_its_capacity() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(2, clock=clock)
    clock.now += 3600
    assert [limiter.take("a") > 0 for _ in range(3)] == [False, False, True]


def test_buckets_are_per_client_and_bounded() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(1, clock=clock, max_clients=2)
    assert limiter.take("a") == 0.0
    assert limiter.take("b") == 0.0
    assert limiter.take("a") > 0
    limiter.take("c")  # pushes out "b", the least recently seen
    assert limiter.take("b") == 0.0


def test_bucket_refuses_a_bad_rate() -> None:
    with pytest.raises(ValueError, match="Currently, it is 0"):
        TokenBucketLimiter(0)


def test_open_paths_are_exact_paths_and_prefixes_combined() -> None:
    page = OpenPaths(frozenset({"/"}), prefixes=("/static/",))
    open_paths = PROBES | page | OpenPaths(frozenset({"/slack/events"}))
    for path in ("/healthz", "/readyz", "/", "/static/ask.js", "/slack/events"):
        assert path in open_paths
    for path in ("/ask", "/static", "//", "/slack/events/x", "/healthz/", "/metrics"):
        assert path not in open_paths
    assert "/" not in PROBES  # `|` makes a new set; each part stays as it was


def _client(tmp_path: Path, **overrides: Any) -> TestClient:
    return TestClient(create_app(Settings(index_dir=tmp_path / "no-index", **overrides)))


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path, api_keys=["alpha-key", "beta-key"], rate_limit_per_minute=3) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_probes_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/readyz").status_code == 503  # no index, but not a 401


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/openapi.json"])
def test_everything_else_needs_a_key(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 401
    assert keyed.get(path, headers=bearer("wrong")).status_code == 401
    assert keyed.get(path, headers=bearer("beta-key")).status_code == 200


def test_a_valid_key_reaches_the_route(keyed: TestClient) -> None:
    response = keyed.post("/search", json={"query": "chips"}, headers=bearer("alpha-key"))
    assert response.json()["error"]["code"] == "index_unavailable"


def test_keys_have_separate_buckets_and_probes_are_not_limited(keyed: TestClient) -> None:
    for _ in range(3):
        assert keyed.get("/metrics", headers=bearer("alpha-key")).status_code == 200
    assert keyed.get("/metrics", headers=bearer("alpha-key")).status_code == 429
    assert keyed.get("/metrics", headers=bearer("beta-key")).status_code == 200
    assert all(keyed.get("/healthz").status_code == 200 for _ in range(5))


def test_without_keys_the_limit_is_per_client_address(tmp_path: Path) -> None:
    with _client(tmp_path, rate_limit_per_minute=2) as client:
        statuses = [client.get("/metrics").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    # Another address has its own bucket (TestClient lets the peer address be set).
    app = create_app(Settings(index_dir=tmp_path / "no-index", rate_limit_per_minute=1))
    with (
        TestClient(app, client=("10.0.0.1", 5000)) as first,
        TestClient(app, client=("10.0.0.2", 5000)) as second,
    ):
        assert first.get("/metrics").status_code == 200
        assert first.get("/metrics").status_code == 429
        assert second.get("/metrics").status_code == 200


def test_body_limit_by_declared_length(tmp_path: Path) -> None:
    with _client(tmp_path, max_body_bytes=1024) as client:
        small = client.post("/search", json={"query": "x" * 900})
        assert small.status_code == 503  # went through to the route
        large = client.post("/search", json={"query": "x" * 1100})
        assert large.status_code == 413
        assert large.json()["error"]["code"] == "payload_too_large"


def test_body_limit_on_a_streamed_body_without_length(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "'
        for _ in range(10):
            yield b"y" * 200
        yield b'"}'

    with _client(tmp_path, max_body_bytes=1024) as client:
        response = client.post(
            "/search", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_streamed_body_under_the_limit_is_replayed_whole(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "'
        yield b"z" * 300
        yield b'", "top_k": 0}'

    with _client(tmp_path, max_body_bytes=1024) as client:
        response = client.post(
            "/search", content=chunks(), headers={"Content-Type": "application/json"}
        )
    # 422 on top_k proves the route saw every chunk, the last one included.
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "top_k"]


def test_cors_is_off_by_default(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        response = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_configured_origins_only(tmp_path: Path) -> None:
    with _client(tmp_path, cors_origins=["https://app.example"], api_keys=["k"]) as client:
        preflight = client.options(
            "/ask",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        # A refusal still carries the CORS header, so a browser can read the error body.
        refused = client.post("/ask", json={}, headers={"Origin": "https://app.example"})
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == "https://app.example"
