"""Question files: schema, malformed lines reported and skipped, id lists, seeded sampling."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from eval.datasets import Question, load_questions, read_ids, select
from indexer.errors import IngestError


def _line(**fields: object) -> str:
    record = {"id": "q1", "question": "Who runs Zorblat?", "answers": ["Quimby"]} | fields
    return json.dumps(record)


def test_loads_the_shared_schema(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        _line(type="news_quiz", asked_at="2025-03-07T10:00:00", gold_ids=["a1"], extra=1)
        + "\n\n"
        + _line(id="q2", answers=[], gold_facts=["Quimby runs it."])
        + "\n",
        encoding="utf-8",
    )
    loaded = load_questions(path)
    assert loaded.problems == ()
    first, second = loaded.questions
    assert first.dataset == "mine" and first.asked_at == date(2025, 3, 7)
    assert first.gold_ids == ("a1",) and not first.unanswerable
    assert second.unanswerable and second.type == "unknown"


def test_also_gold_ids_count_as_gold_once(tmp_path: Path) -> None:
    path = tmp_path / "seed.jsonl"
    path.write_text(
        _line(gold_ids=["brief-a"], also_gold_ids=["source-a", "brief-a"]) + "\n"
        + _line(id="q2", also_gold_ids="source-b") + "\n",
        encoding="utf-8",
    )  # fmt: skip
    loaded = load_questions(path)
    assert [q.gold_ids for q in loaded.questions] == [("brief-a", "source-a")]
    (problem,) = loaded.problems
    assert "also_gold_ids" in problem.reason and problem.line == 2


def test_malformed_lines_are_reported_with_file_and_line_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        _line(),
        "{not json",
        json.dumps({"id": "q3", "question": "No answers key?"}),
        _line(id="q4", answers="Quimby"),
        _line(id="q5", asked_at="last week"),
        "[1, 2]",
        _line(),  # duplicate id q1
        _line(id="q8"),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_questions(path)
    assert [q.id for q in loaded.questions] == ["q1", "q8"]
    reported = [str(p) for p in loaded.problems]
    assert [p.line for p in loaded.problems] == [2, 3, 4, 5, 6, 7]
    assert reported[0].startswith(f"{path}:2: invalid JSON")
    assert "'answers' is missing" in reported[1]
    assert "'answers' must be a list of strings" in reported[2]
    assert "'asked_at' is not an ISO 8601 date" in reported[3]
    assert "expected a JSON object" in reported[4]
    assert "duplicate id 'q1'" in reported[5]


def test_insufficient_information_is_unanswerable() -> None:
    q = Question("q", "?", ("Insufficient information.",), "d")
    assert q.unanswerable
    assert not Question("q", "?", ("Yes",), "d").unanswerable


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read question file"):
        load_questions(tmp_path / "nope.jsonl")


def test_read_ids_skips_blanks_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "x.ids"
    path.write_text("# sample\nq2\n\n  q1  \n", encoding="utf-8")
    assert read_ids(path) == ["q2", "q1"]


def test_select_restricts_then_samples_deterministically() -> None:
    qs = [Question(f"q{i}", "?", ("a",), "d") for i in range(50)]
    ids = [f"q{i}" for i in range(0, 50, 2)]
    first = select(qs, ids=ids, limit=5, seed=7)
    again = select(qs, ids=ids, limit=5, seed=7)
    other = select(qs, ids=ids, limit=5, seed=8)
    assert first == again and len(first) == 5
    assert [q.id for q in first] != [q.id for q in other]
    assert all(int(q.id[1:]) % 2 == 0 for q in first)
    assert [q.id for q in first] == sorted((q.id for q in first), key=lambda s: int(s[1:]))
    assert select(qs, limit=100) == qs
    with pytest.raises(ValueError, match="limit"):
        select(qs, limit=-1)


def test_the_probe_questions_load_whole_and_ask_nothing_twice() -> None:
    path = Path(__file__).parents[2] / "eval" / "datasets" / "newsqa_probes.jsonl"
    loaded = load_questions(path)
    assert loaded.problems == ()
    assert len(loaded.questions) == 90
    assert all(q.answers and not q.unanswerable for q in loaded.questions)
    assert len({q.question.lower() for q in loaded.questions}) == len(loaded.questions)
