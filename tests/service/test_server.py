"""The service behind a real uvicorn on 127.0.0.1: concurrency, streamed bodies, the benchmark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from indexer.embedding import SentenceTransformerEmbedder
from service.app import create_app
from service.bench import run_service_benchmark
from service.config import Settings
from service.engine import QAEngine
from tests.service.test_app_support import running_server

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Where is Orbital Labs based?",
    "When will Brightwater ship engineering samples?",
    "How many languages does Parley cover?",
]


@pytest.fixture(scope="module")
def index_dir(small_index: Path) -> Path:
    return small_index  # only read


@pytest.fixture(scope="module")
def url(index_dir: Path, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = Settings(index_dir=index_dir, api_keys=["k"], max_body_bytes=4096)
    engine = QAEngine(settings, embedder=embedder)
    with running_server(create_app(settings, engine=engine)) as base_url:
        yield base_url
    engine.close()


AUTH = {"Authorization": "Bearer k"}


def test_concurrent_clients_get_consistent_answers(url: str) -> None:
    def ask(question: str) -> tuple[int, str | None]:
        response = httpx.post(f"{url}/ask", json={"question": question}, headers=AUTH, timeout=120)
        return response.status_code, response.json()["answer"]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(ask, QUESTIONS * 4))
    assert all(status == 200 for status, _ in outcomes)
    by_question: dict[str, set[str | None]] = {}
    for question, (_, answer) in zip(QUESTIONS * 4, outcomes, strict=True):
        by_question.setdefault(question, set()).add(answer)
    assert all(len(answers) == 1 for answers in by_question.values()), by_question


def test_a_chunked_upload_over_the_limit_is_refused_over_the_wire(url: str) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(50):
            yield b"q" * 100
        yield b'"}'

    response = httpx.post(
        f"{url}/ask",
        content=body(),
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "payload_too_large", "message": "request body is larger than 4096 bytes"}
    }


def test_refusals_over_the_wire_keep_the_error_shape(url: str) -> None:
    unauthorized = httpx.get(f"{url}/articles/orbital-kestrel")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    assert unauthorized.json()["error"]["code"] == "unauthorized"
    found = httpx.get(f"{url}/articles/orbital-kestrel", headers=AUTH)
    assert found.status_code == 200
    assert found.json()["id"] == "orbital-kestrel"
    assert httpx.get(f"{url}/readyz").json()["index_version"] == found.json()["index_version"]


def test_service_benchmark_measures_a_real_server(index_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench" / "service.json"
    result = run_service_benchmark(
        index_dir,
        QUESTIONS,
        warmup=1,
        requests=3,
        concurrency=2,
        repeats=2,
        out=out,
        console=Console(width=120, record=True),
    )
    assert json.loads(out.read_text()) == result
    assert result["cold_start_s"] > 0
    assert result["search_ms"]["n"] == 3 and result["search_ms"]["errors"] == 0
    assert result["ask_ms"]["n"] == 3 and result["ask_ms"]["errors"] == 0
    assert 0 < result["search_ms"]["p50"] <= result["search_ms"]["p95"]
    assert result["concurrent"]["errors"] == 0
    assert result["concurrent"]["answers_per_s"] > 0
    assert result["rss_mib"] > 50  # the model alone is bigger than this
    assert result["index_articles"] == 6
    assert result["fresh_questions_per_phase"] is (len(QUESTIONS) >= 1 + 3 * 3)
    # Two fresh servers; the headline figures are their medians, errors their sum.
    runs = result["runs"]
    assert len(runs) == 2 and result["repeats"] == 2
    for figure in ("cold_start_s", "rss_mib"):
        assert result[figure] == pytest.approx(sum(run[figure] for run in runs) / 2, abs=1e-3)
    assert result["search_ms"]["p50"] == pytest.approx(
        sum(run["search_ms"]["p50"] for run in runs) / 2, abs=1e-3
    )
    assert result["concurrent"]["errors"] == sum(run["concurrent"]["errors"] for run in runs)
