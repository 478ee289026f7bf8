"""`newsqa eval run` and `compare` end to end over HTTP: every file, every metric, the report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eval.cli import app

from .conftest import FakeService

RUN_FILES = (
    "questions.jsonl",
    "summary.json",
    "config.json",
    "report.md",
    "metrics_by_type.png",
    "recall_at_k.png",
    "latency.png",
    "calibration.png",
)


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_run_writes_every_file_and_metric(
    fake_service: FakeService, question_file: Path, tmp_path: Path
) -> None:
    fake_service.fail_marker = None
    out = tmp_path / "run-a"
    code, output = _run(
        [
            "run",
            "--dataset",
            str(question_file),
            "--url",
            fake_service.url,
            "--out",
            str(out),
            "--search-top-k",
            "10",
        ]
    )
    assert code == 0, output
    assert f"{question_file}:5: invalid JSON" in output
    for name in RUN_FILES:
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    overall = summary["overall"]
    means = {k: v["mean"] for k, v in overall["metrics"].items()}
    for mode in ("keyword", "dense", "hybrid"):
        for metric in ("hit@1", "hit@5", "hit@10", "mrr@10", "answer_recall@10"):
            assert means[f"{mode}.{metric}"] is not None, (mode, metric)
    assert means["exact_match"] == 1.0 and means["correct"] == 1.0
    assert overall["abstention"] == {
        "precision": 1.0,
        "recall": 1.0,
        "abstained": 1,
        "unanswerable": 1,
    }
    assert overall["calibration"]["ece"] is not None
    assert overall["latency_ms"]["ask"]["p95"] is not None
    assert set(overall["by_type"]) == {"who", "where"}
    assert set(overall["by_source"]) == {"Daily", "Wire", "unknown"}  # q3 has no gold
    assert set(overall["by_year"]) == {"2024", "2025", "unknown"}
    assert summary["problems"] == [
        f"{question_file}:5: invalid JSON: Expecting property name enclosed in double quotes"
    ]
    config = json.loads((out / "config.json").read_text())
    assert config["system"]["backend"] == "http"
    assert config["datasets"]["invented"]["selected"] == 4
    assert config["libraries"]["numpy"] and "commit" in config["git"]
    report = (out / "report.md").read_text()
    assert "### Retrieval" in report and "### By question type" in report
    assert "invalid JSON" in report


def test_failed_questions_exit_nonzero_and_compare_shows_the_flip(
    fake_service: FakeService, question_file: Path, tmp_path: Path
) -> None:
    args = [
        "run",
        "--dataset",
        str(question_file),
        "--url",
        fake_service.url,
        "--search-top-k",
        "10",
        "--retrieval-modes",
        "hybrid",
    ]
    code, output = _run([*args, "--out", str(tmp_path / "a")])
    assert code == 1 and "1 questions failed" in output
    fake_service.fail_marker = None
    code, output = _run([*args, "--out", str(tmp_path / "b")])
    assert code == 0, output
    # Make run B answer q2 wrongly, as a regression would.
    rows_path = tmp_path / "b" / "questions.jsonl"
    rows = [json.loads(line) for line in rows_path.read_text().splitlines()]
    for row in rows:
        if row["id"] == "q2":
            row["answer"], row["scores"]["correct"], row["scores"]["exact_match"] = "Oslo", 0.0, 0.0
    rows_path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    code, output = _run(
        ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "cmp")]
    )
    assert code == 0, output
    result = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert result["paired"] == 3  # q4 failed in A
    assert [f["key"] for f in result["flips"]["correct_to_wrong"]] == ["invented/q2"]
    assert result["flips"]["wrong_to_correct"] == []
    em = next(d for d in result["deltas"] if d["metric"] == "exact_match")
    assert em["delta"] == -0.5 and em["n"] == 2
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 0
    assert "Correct in A, wrong in B (1)" in (tmp_path / "cmp" / "compare.md").read_text()


def test_bad_invocations_are_clear_errors(question_file: Path, tmp_path: Path) -> None:
    code, output = _run(["run"])
    assert code == 2 and "--dataset" in output
    code, output = _run(["run", "--dataset", str(tmp_path / "missing.jsonl"), "--url", "http://x"])
    assert code == 2 and "cannot read question file" in output
    code, output = _run(
        [
            "run",
            "--dataset",
            str(question_file),
            "--url",
            "http://127.0.0.1:9",
            "--out",
            str(tmp_path / "down"),
        ]
    )
    assert code == 2 and "cannot reach http://127.0.0.1:9" in output
    code, output = _run(["compare", str(tmp_path), str(tmp_path)])
    assert code == 2 and "is this a run folder" in output
