"""Runs over HTTP against a loopback server: rows, as_of, failures, resume after interruption."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from eval.backends import HttpBackend
from eval.run import ROWS_FILE, DatasetSpec, RunOptions, execute, pending, prepare, read_rows

from .conftest import FakeService


def _run(
    service: FakeService,
    questions: Path,
    out: Path,
    timeout: float = 10.0,
    *,
    use_as_of: bool = True,
) -> list[dict]:
    options = RunOptions(search_top_k=10, use_as_of=use_as_of)
    prepared = prepare([DatasetSpec("inv", questions)], options)
    with httpx.Client(base_url=service.url, timeout=timeout) as client:
        return execute(HttpBackend(client), prepared.questions, out, options)


def test_a_run_scores_every_question_and_passes_as_of(
    fake_service: FakeService, question_file: Path, tmp_path: Path
) -> None:
    fake_service.fail_marker = None
    rows = _run(fake_service, question_file, tmp_path / "run")
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    q1 = rows[0]
    # gold "zb-copy" is a duplicate of the indexed "zb-1": retrieving zb-1 is a hit
    assert q1["scores"]["hybrid.hit@1"] == 1.0
    assert q1["gold"]["canonical_ids"] == {"zb-copy": "zb-1"}
    assert q1["answer"] == "Quimby" and q1["scores"]["exact_match"] == 1.0
    assert rows[2]["abstained"] and rows[2]["scores"]["correct"] == 1.0
    assert set(q1["timings"]["search_ms"]) == {"keyword", "dense", "hybrid"}
    as_of = {(c.get("query") or c.get("question")): c.get("as_of") for c in fake_service.calls}
    assert as_of["Who is the chief executive of Zorblat Robotics?"] == "2024-06-01"
    assert as_of["Which planet did Flumox buy?"] is None
    # three searches and one /ask per question
    assert len(fake_service.calls) == 4 * 4


def test_a_question_only_run_sends_no_as_of(
    fake_service: FakeService, question_file: Path, tmp_path: Path
) -> None:
    fake_service.fail_marker = None
    rows = _run(fake_service, question_file, tmp_path / "run", use_as_of=False)
    assert len(rows) == 4 and not any(r["error"] for r in rows)
    assert fake_service.calls and all(c.get("as_of") is None for c in fake_service.calls)


def test_a_failing_question_is_recorded_and_retried_on_resume(
    fake_service: FakeService, question_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    first = _run(fake_service, question_file, out)
    failed = [r for r in first if r.get("error")]
    assert [r["id"] for r in failed] == ["q4"] and "HTTP 500" in failed[0]["error"]
    # An interruption mid-write leaves a cut line behind; it must not poison the resume.
    with (out / ROWS_FILE).open("a", encoding="utf-8") as handle:
        handle.write('{"dataset": "inv", "id": "q2", "quest')
    fake_service.calls.clear()
    fake_service.fail_marker = None
    second = _run(fake_service, question_file, out)
    # only q4 was asked again (3 searches + 1 ask)
    assert len(fake_service.calls) == 4
    assert all("EXPLODE" in (c.get("query") or c.get("question")) for c in fake_service.calls)
    assert [r["id"] for r in second] == ["q1", "q2", "q3", "q4"]
    assert not any(r.get("error") for r in second)
    assert len(read_rows(out / ROWS_FILE)) == 5  # 4 first-run rows + the retried one
    prepared = prepare([DatasetSpec("inv", question_file)], RunOptions())
    assert pending(prepared.questions, out) == []


def test_a_timeout_is_a_failed_question_not_a_crash(
    fake_service: FakeService, tmp_path: Path
) -> None:
    path = tmp_path / "slow.jsonl"
    path.write_text(
        json.dumps({"id": "s", "question": "SLOW Zorblat chief?", "answers": ["Quimby"]}) + "\n",
        encoding="utf-8",
    )
    rows = _run(fake_service, path, tmp_path / "run", timeout=0.2)
    assert "ReadTimeout" in rows[0]["error"]
