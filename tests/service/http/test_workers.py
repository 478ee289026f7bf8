"""Several worker processes behave as one server: shared rate limits, summed metrics."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import service.cli.serve
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.cli.main import app as cli
from service.config import Settings
from service.http.app import create_app
from service.http.security import GuardMiddleware, SharedTokenBucketLimiter, TokenBucketLimiter

ROOT = Path(__file__).resolve().parents[3]


def _python(script: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_TAKE = """
import json, sys
from pathlib import Path
from service.http.security import SharedTokenBucketLimiter
limiter = SharedTokenBucketLimiter(Path(sys.argv[1]), 6, clock=lambda: 1000.0)
print(json.dumps([limiter.take("client-a") for _ in range(4)] + [limiter.take("client-b")]))
"""


def test_the_shared_limiter_is_one_limit_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "rate-limits.sqlite")
    script = _TAKE.replace("sys.argv[1]", repr(path))
    first = json.loads(_python(script))
    second = json.loads(_python(script))
    # 6 a minute for client-a across both processes (the clock stands still: no refill) ...
    assert first[:4] == [0.0] * 4
    assert second[:2] == [0.0, 0.0]
    assert all(wait == pytest.approx(10.0) for wait in second[2:4])  # a token every 10 s
    # ... and client-b has a bucket of its own.
    assert first[4] == second[4] == 0.0


def test_the_shared_limiter_refills_and_forgets_idle_clients(tmp_path: Path) -> None:
    now = [0.0]
    limiter = SharedTokenBucketLimiter(tmp_path / "r.sqlite", 60, clock=lambda: now[0])
    limiter.PRUNE_EVERY = 3
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    assert limiter.take("a") == pytest.approx(1.0)  # one a second
    now[0] += 2.0
    assert limiter.take("a") == 0.0
    now[0] += 120.0  # idle long enough to be full again: pruned at the next prune
    for _ in range(3):
        limiter.take("b")
    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        assert [row[0] for row in db.execute("SELECT key FROM buckets")] == ["b"]
    with pytest.raises(ValueError, match="per_minute"):
        SharedTokenBucketLimiter(tmp_path / "x.sqlite", 0)


_COUNT = """
from service.http.metrics import Metrics
metrics = Metrics()
for _ in range(3):
    metrics.requests.labels(route="/ask", method="GET", status="200").inc()
"""

_SCRAPE = """
from types import SimpleNamespace
from service.http.metrics import Metrics
print(Metrics().render(SimpleNamespace(index=None)).decode())
"""


def test_metrics_of_several_processes_add_up(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    _python(_COUNT, env)
    _python(_COUNT, env)
    text = _python(_SCRAPE, env)
    line = next(x for x in text.splitlines() if x.startswith("newsqa_http_requests_total{"))
    assert float(line.rsplit(" ", 1)[1]) == 6.0
    assert "newsqa_index_ready 0.0" in text


def _limiter_of(app: Any) -> object:
    middleware = next(m for m in app.user_middleware if m.cls is GuardMiddleware)
    return middleware.kwargs["limiter"]


def test_the_app_shares_its_limiter_only_where_told_to(tmp_path: Path) -> None:
    shared = create_app(Settings(index_dir=tmp_path / "index", shared_state_dir=tmp_path))
    alone = create_app(Settings(index_dir=tmp_path / "index"))
    assert isinstance(_limiter_of(shared), SharedTokenBucketLimiter)
    assert (tmp_path / "rate-limits.sqlite").exists()
    assert isinstance(_limiter_of(alone), TokenBucketLimiter)


def test_serve_hands_its_settings_to_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    before = dict(os.environ)

    def run_workers(argv: list[str], env: dict[str, str]) -> int:
        seen["argv"], seen["env"] = argv, env
        seen["dirs_exist"] = Path(env["PROMETHEUS_MULTIPROC_DIR"]).is_dir()
        return 0

    monkeypatch.setattr(service.cli.serve, "run_workers", run_workers)
    index = tmp_path / "index"
    result = CliRunner().invoke(
        cli, ["serve", "--port", "8765", "--index", str(index), "--workers", "3"]
    )
    assert result.exit_code == 0, result.output
    argv = seen["argv"]
    assert argv[:5] == [
        sys.executable,
        "-m",
        "uvicorn",
        "service.http.app:create_worker_app",
        "--factory",
    ]
    options = dict(zip(argv[5::2], argv[6::2], strict=True))
    assert options == {
        "--host": "127.0.0.1",
        "--port": "8765",
        "--workers": "3",
        "--log-level": "info",
        "--http": "service.http.slow_clients:HeadTimeoutProtocol",  # the head deadline
    }
    env = seen["env"]
    assert env["NEWSQA_INDEX_DIR"] == str(index) and env["NEWSQA_PORT"] == "8765"
    assert seen["dirs_exist"]
    assert env["PROMETHEUS_MULTIPROC_DIR"].startswith(env["NEWSQA_SHARED_STATE_DIR"])
    assert not Path(env["NEWSQA_SHARED_STATE_DIR"]).exists()  # removed when serving ends
    assert dict(os.environ) == before  # the workers' settings never enter this process


def test_serve_fails_with_the_supervisor_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.cli.serve, "run_workers", lambda argv, env: 3)
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 3


def test_run_workers_passes_a_termination_on(tmp_path: Path) -> None:
    """SIGTERM to `serve` reaches uvicorn's supervisor, whose exit code comes back."""
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = (
        "import sys\n"
        "from service.cli.serve import run_workers\n"
        f"sys.exit(run_workers([sys.executable, '-c', {script!r}], {{}}))\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", parent], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        process.terminate()
        assert process.wait(timeout=30) == 7


@pytest.mark.slow
def test_serve_exports_the_query_encoder_once_before_starting_workers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    embedder: SentenceTransformerEmbedder,
) -> None:
    ran: list[list[str]] = []
    real_run = subprocess.run
    monkeypatch.setattr(service.cli.serve, "run_workers", lambda argv, env: 0)
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: ran.append(list(args)))
    empty = tmp_path / "cache"
    monkeypatch.setenv("NEWSQA_CACHE_DIR", str(empty))
    serve = ["serve", "--index", str(tmp_path / "index"), "--workers", "2"]
    assert CliRunner().invoke(cli, serve).exit_code == 0
    assert len(ran) == 1 and ran[0][-3:] == ["all-MiniLM-L6-v2", str(empty), "int8"]
    # The command it would have run does the export, and the 8-bit copy for questions ...
    real_run(ran[0], check=True, timeout=300, cwd=ROOT)
    made = sorted(p.name.split(".", 1)[1] for p in empty.iterdir())
    assert made == ["int8.onnx", "json", "onnx"]
    # ... after which workers start straight away.
    assert CliRunner().invoke(cli, serve).exit_code == 0
    assert len(ran) == 1
