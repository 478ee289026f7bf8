"""The service behind a real uvicorn on 127.0.0.1: concurrency, streamed bodies, the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from bench.service import _descendants, _free_port, run_service_benchmark
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import running_server

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
    # The server's own time is part of what the client waited for.
    for phase in ("search_ms", "ask_ms"):
        server = result[phase]["server"]
        assert server["n"] == 3 and 0 < server["p50"] < result[phase]["p50"]
    assert result["concurrent"]["errors"] == 0
    assert result["concurrent"]["answers_per_s"] > 0
    assert result["rss_mib"] > 50  # the model alone is bigger than this
    assert result["workers"] == 2  # the default: every worker's memory is counted
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


def _workers(pid: int) -> list[int]:
    """The server's worker processes: its descendants started by multiprocessing's spawn."""
    found = []
    for child in _descendants(pid):
        try:
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                found.append(child)
        except OSError:  # exited between the listing and the read
            continue
    return found


def _requests_counted(url: str) -> float:
    text = httpx.get(f"{url}/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("newsqa_http_requests_total{") and 'route="/ask"' in line
    )


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts worker processes through /proc")
def test_two_workers_share_metrics_and_rate_limits(index_dir: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NEWSQA_INDEX_DIR": str(index_dir), "NEWSQA_RATE_LIMIT_PER_MINUTE": "12"}
    command = [sys.executable, "-c", "from service.cli.main import main; main()", "serve"]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server was not ready in 120 s")
        # Ready means one worker answers; the other may still be starting (its cmdline is the
        # parent's until it execs), so the workers are counted until both show or time runs out.
        deadline = time.monotonic() + 60
        while len(workers := _workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2
        # A new connection per request, so the kernel spreads them over both workers.
        statuses = [
            httpx.get(f"{url}/ask", params={"q": QUESTIONS[0]}).status_code for _ in range(6)
        ]
        assert statuses == [200] * 6
        deadline = time.monotonic() + 5  # a worker counts a request once its response is sent
        while _requests_counted(url) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _requests_counted(url) == 6  # whichever worker served each and the scrape
        # 12 a minute per client across the server: 6 asks and 2 scrapes so far, 4 left.
        later = [httpx.get(f"{url}/ask", params={"q": QUESTIONS[1]}) for _ in range(5)]
        assert [r.status_code for r in later] == [200, 200, 200, 200, 429]
        assert int(later[-1].headers["Retry-After"]) >= 1
        assert later[-1].json()["error"]["code"] == "rate_limited"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output.decode(errors="replace")[-2000:]
