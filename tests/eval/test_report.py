"""Markdown helpers of the run report."""

from __future__ import annotations

from eval.report import fmt, section, table
from eval.summary import aggregate


def test_report_tables_escape_pipes() -> None:
    lines = table(["source", "n"], [["The Roar | Blog", 1]])
    assert lines[2] == "| The Roar \\| Blog | 1 |"


def test_fmt() -> None:
    assert fmt(None) == "—" and fmt(0.12345) == "0.123" and fmt(3) == "3"
    assert fmt(1234.5678, 1) == "1234.6"


def test_the_answers_section_reads_the_ece_against_chance() -> None:
    row = {
        "dataset": "d",
        "id": "1",
        "type": "t",
        "abstained": False,
        "confidence": 0.9,
        "gold": {"unanswerable": False, "sources": ["A"], "years": ["2025"], "gold_ids": []},
        "scores": {"exact_match": 0.0, "correct": 0.0},
        "timings": {"ask_ms": 10.0, "search_ms": {"hybrid": 5.0}},
    }
    text = "\n".join(section("d", aggregate([row])))
    # One answer at 0.9: right nine times in ten for a calibrated reader (ECE .1), else .9.
    assert "Expected calibration error: 0.900 (a perfectly calibrated reader's on these" in text
    assert "at the 95th percentile)" in text
