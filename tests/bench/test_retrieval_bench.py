"""`newsqa bench retrieval`: every stage timed over the real small index, JSON written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.retrieval import STAGES, questions_with_dates, run_retrieval_benchmark
from service.cli.main import app

pytestmark = pytest.mark.slow  # the real model and index

_QUESTIONS = [
    {"question": "Who leads Orbital Labs?", "asked_at": "2026-03-01"},
    {"question": "How much did Brightwater raise?", "asked_at": "2026-02-20T09:00:00"},
    {"question": "Which lake cools the Glacier Compute data center?"},
    {"question": "What is the Beaker benchmark about?", "asked_at": "2026-05-01"},
]


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in _QUESTIONS) + "\n", encoding="utf-8")
    return path


def test_questions_keep_their_dates(questions_file: Path) -> None:
    asked = questions_with_dates(questions_file, limit=3)
    assert [q.text for q in asked] == [q["question"] for q in _QUESTIONS[:3]]
    assert [str(q.as_of) for q in asked] == ["2026-03-01", "2026-02-20", "None"]


def test_every_stage_is_timed_on_fresh_questions(small_index: Path, questions_file: Path) -> None:
    asked = questions_with_dates(questions_file, limit=4)
    seen: list[int] = []
    result = run_retrieval_benchmark(
        small_index, asked, repeats=2, on_run=lambda n, _: seen.append(n)
    )
    assert seen == [0, 1] and result["questions_per_repeat"] == 2
    assert set(result["stages_ms"]) == set(STAGES)
    for figures in result["stages_ms"].values():
        assert 0 < figures["p50"] <= figures["p95"]
    assert all(run["search"]["count"] == 2 for run in result["runs"])
    assert result["chunks"] > 0 and result["index_version"].startswith("gen-")
    with pytest.raises(ValueError, match="cannot make 3 repeats"):
        run_retrieval_benchmark(small_index, asked[:2], repeats=3)


def test_the_command_prints_a_table_and_writes_json(
    small_index: Path, questions_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "retrieval.json"
    args = ["bench", "retrieval", "--index", str(small_index), "--questions", str(questions_file)]
    result = CliRunner().invoke(
        app, [*args, "--per-repeat", "2", "--repeats", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "keyword_leg_fts5" in result.output
    assert set(json.loads(out.read_text())["stages_ms"]) == set(STAGES)
    empty = tmp_path / "none"
    empty.mkdir()
    refused = CliRunner().invoke(
        app,
        [
            "bench",
            "retrieval",
            "--index",
            str(empty),
            "--questions",
            str(questions_file),
            "--out",
            str(out),
        ],
    )
    assert refused.exit_code == 2 and "no index" in refused.output
