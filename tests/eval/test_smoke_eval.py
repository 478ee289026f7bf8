"""A smoke eval end to end on a real index (real model, FAISS, SQLite): in-process and over a
real uvicorn server. Checks that every metric is computed and every file written, not scores."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from eval.cli import app

# Invented questions about the invented articles of the `small_index` fixture (tests/conftest.py).
QUESTIONS = [
    {
        "id": "s1",
        "question": "In which city is Orbital Labs based?",
        "answers": ["Tallinn"],
        "type": "where",
        "asked_at": "2026-02-01",
        "gold_ids": ["orbital-kestrel"],
    },
    {
        "id": "s2",
        "question": "How much money did Brightwater raise for its speech chips?",
        "answers": ["30 million dollars", "$30 million"],
        "type": "how_much",
        "gold_ids": ["brightwater-funding-copy"],
    },
    {
        "id": "s3",
        "question": "Who is the director of the Norland Labour Authority?",
        "answers": ["Pieter Vanhal"],
        "type": "who",
        "gold_ids": ["norland-hiring-review"],
    },
    {
        "id": "s4",
        "question": "What is the name of Meridian's open translation model?",
        "answers": ["Parley"],
        "type": "what",
        "gold_ids": ["meridian-translation"],
    },
    {
        "id": "s5",
        "question": "What did Orbital Labs pay for its office on the Moon?",
        "answers": [],
        "type": "what",
        "gold_ids": [],
    },
    {
        "id": "s6",
        "question": "Did both Brightwater and Meridian AI receive money from outside backers?",
        "answers": ["Yes"],
        "type": "comparison_query",
        "gold_ids": ["brightwater-funding", "meridian-translation"],
        "gold_facts": [
            "Existing investor Quillon Capital also took part.",
            "The release follows a 12 million dollar grant from the Aldous Foundation.",
        ],
    },
    {
        "id": "s7",
        "question": "Which rival did Glacier Compute buy after opening its lake site?",
        "answers": ["Insufficient information."],
        "type": "null_query",
        "gold_ids": [],
        "gold_facts": [],
    },
]

FILES = (
    "questions.jsonl",
    "summary.json",
    "config.json",
    "report.md",
    "metrics_by_type.png",
    "recall_at_k.png",
    "latency.png",
    "calibration.png",
)
RETRIEVAL = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "recall@10",
    "answer_recall@1",
    "answer_recall@5",
    "answer_recall@10",
)
ANSWER = ("exact_match", "f1", "contains", "yes_no", "correct", "mhrag.qa_accuracy")
MHRAG = ("hits@4", "hits@10", "map@10", "mrr@10")


@pytest.fixture
def questions(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


@pytest.fixture
def live_service(small_index: Path) -> Iterator[str]:
    from service.config import Settings
    from service.http.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings(index_dir=small_index)),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ws="none",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # the lifespan loads the model
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=30)


def _check_run(out: Path) -> dict:
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    rows = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in QUESTIONS]
    assert not any(r.get("error") for r in rows), [r.get("error") for r in rows]
    overall = json.loads((out / "summary.json").read_text())["overall"]
    means = {k: v["mean"] for k, v in overall["metrics"].items()}
    for mode in ("keyword", "dense", "hybrid"):
        for metric in RETRIEVAL:
            assert means[f"{mode}.{metric}"] is not None, (mode, metric)
        for metric in MHRAG:
            assert means[f"mhrag.{mode}.{metric}"] is not None, (mode, metric)
    for metric in ANSWER:
        assert means[metric] is not None, metric
    assert overall["abstention"]["unanswerable"] == 2
    assert overall["calibration"]["buckets"] and overall["latency_ms"]["ask"]["p50"] is not None
    for key in ("by_type", "by_source", "by_year"):
        assert overall[key], key
    assert "MultiHop-RAG metrics" in (out / "report.md").read_text()
    return overall


@pytest.mark.slow
def test_smoke_eval_in_process_and_over_http(
    small_index: Path, questions: Path, live_service: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    in_process = runner.invoke(
        app,
        [
            "run",
            "--dataset",
            str(questions),
            "--index",
            str(small_index),
            "--out",
            str(tmp_path / "local"),
        ],
    )
    assert in_process.exit_code == 0, in_process.output
    local = _check_run(tmp_path / "local")
    config = json.loads((tmp_path / "local" / "config.json").read_text())
    assert config["system"]["index"]["version"].startswith("gen-")
    assert config["system"]["manifest"]["embedding_model"]

    over_http = runner.invoke(
        app,
        [
            "run",
            "--dataset",
            str(questions),
            "--url",
            live_service,
            "--out",
            str(tmp_path / "http"),
        ],
    )
    assert over_http.exit_code == 0, over_http.output
    remote = _check_run(tmp_path / "http")
    # Same index, same engine: retrieval must agree between the two paths.
    for key in ("hybrid.hit@5", "keyword.mrr@10", "dense.hit@10"):
        assert remote["metrics"][key] == local["metrics"][key], key

    compared = runner.invoke(
        app,
        [
            "compare",
            str(tmp_path / "local"),
            str(tmp_path / "http"),
            "--out",
            str(tmp_path / "cmp"),
        ],
    )
    assert compared.exit_code == 0, compared.output
    assert (tmp_path / "cmp" / "compare.md").exists()


@pytest.mark.slow
def test_a_suite_builds_its_index_when_missing_and_reuses_it(
    small_index: Path, questions: Path, tmp_path: Path
) -> None:
    suite = tmp_path / "mini.toml"
    suite.write_text(
        f'name = "mini"\n[index]\ndir = "{tmp_path / "index"}"\n'
        f'corpus = ["{small_index.parent / "articles.jsonl"}"]\n'
        '[run]\nretrieval_modes = ["hybrid"]\nsearch_top_k = 10\n'
        f'[[datasets]]\nname = "mini"\npath = "{questions}"\nlimit = 3\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    first = runner.invoke(app, ["run", "--suite", str(suite), "--out", str(tmp_path / "run")])
    assert first.exit_code == 0, first.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["system"]["index"]["version"] == "gen-000001"
    assert config["datasets"]["mini"]["selected"] == 3
    again = runner.invoke(app, ["run", "--suite", str(suite), "--out", str(tmp_path / "run")])
    assert again.exit_code == 0, again.output
    assert "3 questions, 3 already done" in again.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["system"]["index"]["version"] == "gen-000001"  # up to date: not rebuilt
