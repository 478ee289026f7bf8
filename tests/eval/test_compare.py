"""Paired bootstrap intervals and flips, against cases worked by hand."""

from __future__ import annotations

import pytest

from eval.compare import deltas, flips, paired, paired_bootstrap


def _row(qid: str, **scores: float | None) -> dict:
    return {
        "dataset": "d",
        "id": qid,
        "question": f"{qid}?",
        "gold": {"answers": ["x"]},
        "answer": "x",
        "scores": scores,
    }


def test_constant_difference_has_a_point_interval() -> None:
    low, high = paired_bootstrap([0.0, 0.5, 1.0], [0.25, 0.75, 1.25])
    assert low == pytest.approx(0.25) and high == pytest.approx(0.25)


def test_interval_is_deterministic_and_brackets_the_mean() -> None:
    a = [0.0] * 50 + [1.0] * 50
    b = [1.0] * 30 + [0.0] * 20 + [1.0] * 50  # B right on 30 more: mean diff 0.3
    first, again = paired_bootstrap(a, b), paired_bootstrap(a, b)
    assert first == again
    assert first[0] < 0.3 < first[1]
    assert first[0] > 0.0  # 30 of 100 improved, none worse: clearly above 0
    with pytest.raises(ValueError):
        paired_bootstrap([], [])


def test_deltas_pair_only_questions_scored_in_both() -> None:
    rows_a = {
        "d/1": _row("1", em=1.0, correct=1.0),
        "d/2": _row("2", em=0.0, correct=0.0),
        "d/3": _row("3", em=None, correct=1.0),
        "d/4": _row("4", em=1.0, correct=1.0),
    }
    rows_b = {
        "d/1": _row("1", em=0.0, correct=0.0),
        "d/2": _row("2", em=1.0, correct=1.0),
        "d/3": _row("3", em=None, correct=1.0),
        "d/5": _row("5", em=1.0, correct=1.0),
    }
    keys = paired(rows_a, rows_b)
    assert keys == ["d/1", "d/2", "d/3"]
    by_metric = {d.metric: d for d in deltas(rows_a, rows_b, keys)}
    assert by_metric["em"].n == 2 and by_metric["em"].delta == 0.0
    assert by_metric["correct"].n == 3
    flipped = flips(rows_a, rows_b, keys)
    assert [f["key"] for f in flipped["correct_to_wrong"]] == ["d/1"]
    assert [f["key"] for f in flipped["wrong_to_correct"]] == ["d/2"]


def test_failed_rows_are_not_paired() -> None:
    rows_a = {"d/1": _row("1", em=1.0) | {"error": "HTTP 500"}}
    rows_b = {"d/1": _row("1", em=1.0)}
    assert paired(rows_a, rows_b) == []
