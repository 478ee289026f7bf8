"""Aggregation of rows: means over the questions a metric applies to, calibration, breakdowns."""

from __future__ import annotations

from typing import Any

import pytest

from eval.summary import aggregate, answer_modes, summarize


def _row(
    qid: str,
    dataset: str = "d",
    *,
    abstained: bool,
    unanswerable: bool,
    conf: float,
    correct: float,
    em: float | None,
    sources: list[str],
    ask_ms: float,
) -> dict:
    return {
        "dataset": dataset,
        "id": qid,
        "type": "t",
        "abstained": abstained,
        "confidence": conf,
        "gold": {
            "unanswerable": unanswerable,
            "sources": sources,
            "years": ["2025"],
            "gold_ids": [],
        },
        "scores": {"exact_match": em, "correct": correct},
        "timings": {"ask_ms": ask_ms, "search_ms": {"hybrid": ask_ms / 2}},
    }


def test_aggregate_by_hand() -> None:
    rows = [
        _row(
            "1",
            abstained=False,
            unanswerable=False,
            conf=0.9,
            correct=1.0,
            em=1.0,
            sources=["A", "B"],
            ask_ms=10.0,
        ),
        _row(
            "2",
            abstained=False,
            unanswerable=False,
            conf=0.9,
            correct=0.0,
            em=0.0,
            sources=["A"],
            ask_ms=20.0,
        ),
        _row(
            "3",
            abstained=True,
            unanswerable=True,
            conf=0.1,
            correct=1.0,
            em=None,
            sources=[],
            ask_ms=30.0,
        ),
        {"dataset": "d", "id": "4", "type": "t", "error": "boom", "scores": {}},
    ]
    agg = aggregate(rows)
    assert agg["count"] == 4 and agg["failed"] == 1
    assert agg["metrics"]["exact_match"] == {"mean": 0.5, "n": 2}
    assert agg["metrics"]["correct"]["mean"] == pytest.approx(2 / 3)
    assert agg["abstention"]["precision"] == 1.0 and agg["abstention"]["recall"] == 1.0
    # calibration over the two answered questions only: bucket 9, acc 0.5, conf 0.9
    assert agg["calibration"]["ece"] == pytest.approx(0.4)
    # A calibrated reader's two answers at 0.9 are both right (p .81: ECE .1), one right
    # (.18: .4) or none (.01: .9): .162 on average, .4 at the 95th percentile.
    chance = agg["calibration"]["chance_ece"]
    assert chance["mean"] == pytest.approx(0.162, abs=0.03) and chance["p95"] == pytest.approx(0.4)
    # answered: 2 of the 3 that came back, one of them right
    assert agg["answered"] == {"count": 2, "share": pytest.approx(2 / 3), "precision": 0.5}
    assert agg["latency_ms"]["ask"]["p50"] == 20.0
    assert agg["latency_ms"]["search"]["hybrid"]["p50"] == 10.0
    # a question with gold from two outlets counts in both; none -> "unknown"
    assert {k: v["count"] for k, v in agg["by_source"].items()} == {"A": 2, "B": 1, "unknown": 1}
    assert agg["by_source"]["A"]["exact_match"] == 0.5


def test_summarize_splits_datasets() -> None:
    rows = [
        _row(
            "1",
            "x",
            abstained=False,
            unanswerable=False,
            conf=0.5,
            correct=1.0,
            em=1.0,
            sources=[],
            ask_ms=1.0,
        ),
        _row(
            "1",
            "y",
            abstained=False,
            unanswerable=False,
            conf=0.5,
            correct=0.0,
            em=0.0,
            sources=[],
            ask_ms=1.0,
        ),
    ]
    result = summarize(rows)
    assert result["overall"]["metrics"]["exact_match"]["mean"] == 0.5
    assert result["datasets"]["x"]["metrics"]["exact_match"]["mean"] == 1.0
    assert result["datasets"]["y"]["metrics"]["exact_match"]["mean"] == 0.0


def test_answer_modes_count_every_call_to_the_llm_and_only_those() -> None:
    base: dict[str, Any] = {"abstained": False, "confidence": 0.5}
    rows: list[dict[str, Any]] = [
        {**base, "mode_used": "extractive", "fallback_reason": None},  # confident reader
        {**base, "mode_used": "generative", "fallback_reason": "low_confidence"},  # LLM answered
        {**base, "mode_used": "extractive", "fallback_reason": "upstream_timeout"},  # call failed
        {**base, "mode_used": "extractive", "fallback_reason": "circuit_open"},  # no call made
        {**base, "mode_used": "extractive", "fallback_reason": "llm_not_configured"},
    ]
    modes = answer_modes(rows)
    assert modes["mode_used"] == {"extractive": 4, "generative": 1}
    assert modes["llm_called"] == 2
    assert modes["llm_called_share"] == pytest.approx(2 / 5)
    assert answer_modes([])["llm_called_share"] is None
