"""The Slack benchmark's plumbing, on a tiny run: every figure present, counts exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from indexer.embedding.transformer import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow


def test_a_tiny_slack_benchmark_counts_every_answer_once(
    small_index: Path,
    embedder: SentenceTransformerEmbedder,  # the query encoder's export is cached by now
    model_cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSQA_WORKERS", "1")  # the plumbing, not the figures: one process
    monkeypatch.setenv("NEWSQA_CACHE_DIR", str(model_cache_dir))
    out = tmp_path / "slack.json"
    args = ["slack", "--index", str(small_index), "--events", "6", "--concurrency", "3"]
    args += ["--redeliver-every", "2", "--warmup", "0", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["events"] == 6 and figures["deliveries"] == 9 and figures["redeliveries"] == 3
    assert figures["answers_delivered"] == 6
    assert figures["duplicates"] == 0 and figures["errors"] == 0
    assert 0 < figures["ack_p50_ms"] <= figures["ack_p99_ms"] <= figures["ack_max_ms"]
    assert 0 < figures["acks_alone_p50_ms"] <= figures["acks_alone_max_ms"]
    assert 0 < figures["healthz_p50_ms"] <= figures["healthz_max_ms"]
    assert figures["answer_p50_ms"] > 0 and figures["workers"] == 1
    assert len(figures["runs"]) == 1 and figures["machine"]["cpus"] >= 1
    assert "answers delivered" in result.output
