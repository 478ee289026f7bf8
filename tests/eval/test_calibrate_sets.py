"""The fit sets of `newsqa eval calibrate`: RealTime QA's questions are asked with and without
their date, so that the confidence maps learn both kinds of asking."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from eval.datasets import Question
from eval.fit_sets import unanswerable_sets


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_gold_removed_questions_are_asked_again_without_their_date(tmp_path: Path) -> None:
    _write(
        tmp_path / "removed-rt-fit.jsonl",
        [
            {
                "id": "q1",
                "question": "Which lab shipped it?",
                "answers": [],
                "asked_at": "2026-03-13",
            }
        ],
    )
    _write(tmp_path / "madeup-fit.jsonl", [{"id": "m1", "question": "Who runs Zorbl AI?"}])
    sets = unanswerable_sets(tmp_path, report=False)
    assert set(sets) == {"removed-rt", "madeup", "removed-rt-undated"}
    dated, undated = sets["removed-rt"][0], sets["removed-rt-undated"][0]
    assert isinstance(dated, Question)
    assert dated.asked_at == date(2026, 3, 13)
    assert undated.asked_at is None
    assert (undated.id, undated.question) == (dated.id, dated.question)
    assert undated.dataset == "removed-rt-undated"
    # Only the report half is read when reporting; its undated copy comes with it.
    assert unanswerable_sets(tmp_path, report=True) == {}
