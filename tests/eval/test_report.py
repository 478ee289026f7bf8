"""Markdown helpers of the run report."""

from __future__ import annotations

from eval.report import fmt, table


def test_report_tables_escape_pipes() -> None:
    lines = table(["source", "n"], [["The Roar | Blog", 1]])
    assert lines[2] == "| The Roar \\| Blog | 1 |"


def test_fmt() -> None:
    assert fmt(None) == "—" and fmt(0.12345) == "0.123" and fmt(3) == "3"
    assert fmt(1234.5678, 1) == "1234.6"
