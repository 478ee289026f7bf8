"""`newsqa ask` (in-process and against a running service) and `newsqa serve` (a subprocess)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

import indexer.embedding.transformer
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.cli.main import app as cli
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import free_port, running_server

runner = CliRunner()
QUESTION = "Where is Orbital Labs based?"


@pytest.fixture
def index_dir(small_index: Path) -> Path:
    return small_index  # only read


@pytest.fixture
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder) -> None:
    # The command loads the model itself; hand it the one this session has loaded already.
    monkeypatch.setattr(
        indexer.embedding.transformer, "load_embedder", lambda *args, **kwargs: embedder
    )


@pytest.mark.slow
def test_ask_prints_the_answer_with_its_citation(index_dir: Path, shared_model: None) -> None:
    result = runner.invoke(cli, ["ask", QUESTION, "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    for expected in (
        "Tallinn",
        "confidence 0.",
        "Orbital Labs unveils Kestrel",
        "Example Wire",
        "2026-01-05",
        "https://news.example.test/orbital-kestrel",
        "based in Tallinn",
    ):
        assert expected in result.output


@pytest.mark.slow
def test_ask_json_is_the_api_response(index_dir: Path, shared_model: None) -> None:
    result = runner.invoke(cli, ["ask", QUESTION, "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["answer"] == "Tallinn"
    assert body["citations"][0]["article_id"] == "orbital-kestrel"
    assert body["index_version"].startswith("gen-")


def test_ask_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["ask", QUESTION, "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index" in result.output
    assert "newsqa index build" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "question"),
        ([QUESTION, "--top-k", "0"], "top_k"),
        ([QUESTION, "--mode", "x"], "mode"),
    ],
)
def test_ask_refuses_bad_input_with_usage_status(args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["ask", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_ask_reports_an_unreachable_service() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(cli, ["ask", QUESTION, "--url", url])
    assert result.exit_code == 1
    assert "cannot reach" in result.output


@pytest.mark.slow
def test_ask_url_queries_a_running_service_with_a_key(
    index_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = Settings(index_dir=index_dir, api_keys=["cli-key"])
    app = create_app(settings, engine=QAEngine(settings, embedder=embedder))
    with running_server(app) as url:
        denied = runner.invoke(cli, ["ask", QUESTION, "--url", url, "--api-key", "wrong"])
        allowed = runner.invoke(
            cli, ["ask", QUESTION, "--url", url, "--json"], env={"NEWSQA_API_KEY": "cli-key"}
        )
    assert denied.exit_code == 1
    assert "unauthorized" in denied.output
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.output)["answer"] == "Tallinn"


@pytest.mark.slow
def test_serve_with_one_worker_runs_the_app_in_process_and_logs_the_served_version(
    index_dir: Path,
    shared_model: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # uvicorn.run blocks until a signal; it is swapped for a real uvicorn server on a free port
    # that answers a few requests and stops. (The bench test runs `newsqa serve` as a process.)
    calls: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}

    def run(app: FastAPI, **kwargs: Any) -> None:
        calls.append(kwargs)
        with running_server(app) as url:
            seen["ready"] = httpx.get(f"{url}/readyz").json()
            seen["answer"] = httpx.get(f"{url}/ask", params={"q": QUESTION}).json()["answer"]

    monkeypatch.setattr(uvicorn, "run", run)
    caplog.set_level(logging.INFO)
    options = ["--host", "127.0.0.1", "--port", "8123", "--index", str(index_dir)]
    result = runner.invoke(cli, ["serve", *options, "--workers", "1"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call.pop("http").head_timeout_s == 10.0  # uvicorn's protocol, with the head deadline
    assert call == {"host": "127.0.0.1", "port": 8123, "log_level": "info"}
    version = seen["ready"]["index_version"]
    assert version.startswith("gen-")
    assert seen["answer"] == "Tallinn"
    assert f"serving index {version} from {index_dir}" in caplog.text


def test_serve_refuses_a_bad_port_before_starting(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", "--port", "70000", "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert "70000" in result.output


def test_serve_refuses_api_keys_that_name_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSQA_API_KEYS", ",")
    result = runner.invoke(cli, ["serve", "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert "NEWSQA_API_KEYS" in result.output and "names no key" in result.output
