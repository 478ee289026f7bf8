"""`newsqa eval unanswerable build` over the small real index: gold stories gone from a copy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.cli import app
from indexer.store.reader import open_index

# Questions over tests/conftest.py's small index; rtqa-1's gold is a story with a copy.
RTQA = [
    ("rtqa-1", "How much did Brightwater raise?", "30 million", "brightwater-funding", True),
    ("rtqa-2", "Where is Orbital Labs based?", "Tallinn", "orbital-kestrel", True),
    ("rtqa-3", "What does Norland review?", "hiring tools", "norland-hiring-review", True),
    ("rtqa-4", "Who won the prize?", "Someone", "sable-benchmark", False),  # not extractive
]
MULTIHOP = [
    ("mh-1", "Does Glacier Compute cool with lake water?", "Yes", "glacier-datacenter"),
    ("mh-2", "Is Parley a translation model?", "Yes", "meridian-translation"),
    ("mh-3", "Did Sable publish a benchmark?", "Yes", "sable-benchmark"),
    ("mh-4", "Which lab made Kestrel?", "Orbital Labs", "orbital-kestrel"),
]


def _data(root: Path) -> Path:
    questions = root / "questions"
    questions.mkdir(parents=True)
    rows = [
        {"id": i, "question": q, "answers": [a], "type": "news_quiz", "asked_at": "2026-06-01",
         "gold_ids": [g], "answer_in_evidence": extractive}
        for i, q, a, g, extractive in RTQA
    ]  # fmt: skip
    (questions / "realtimeqa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (questions / "realtimeqa_sample_1000.ids").write_text("rtqa-1\nrtqa-3\n")
    rows = [
        {"id": i, "question": q, "answers": [a], "type": "comparison_query", "asked_at": None,
         "gold_ids": [g]}
        for i, q, a, g in MULTIHOP
    ]  # fmt: skip
    (questions / "multihop_500.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_build_removes_gold_stories_from_a_copy_and_writes_every_set(
    small_index: Path, tmp_path: Path
) -> None:
    source = tmp_path / "eval-index"
    shutil.copytree(small_index, source)
    data, out = _data(tmp_path / "data"), tmp_path / "unanswerable"
    args = ["--source", str(source), "--out", str(out), "--data", str(data), "--seed", "3"]
    done = CliRunner().invoke(app, ["unanswerable", "build", *args])
    assert done.exit_code == 0, done.output

    sets = {p.stem: _read(p) for p in out.glob("*.jsonl")}
    assert {r["id"] for r in sets["removed-rt-report"]} == {"rtqa-1", "rtqa-3"}
    assert {r["id"] for r in sets["removed-rt-fit"]} == {"rtqa-2"}  # rtqa-4 is not extractive
    mh = sets["removed-mh-report"] + sets["removed-mh-fit"]
    assert sorted(r["id"] for r in mh) == ["mh-1", "mh-2", "mh-3", "mh-4"]
    for row in [r for rows in sets.values() for r in rows]:
        assert row["answers"] == [] and row["gold_ids"] == []  # the right output: abstain

    removed = {g for rows in sets.values() for r in rows for g in r.get("removed_ids", [])}
    with open_index(out / "index") as copy, open_index(source) as original:
        for gold in removed:
            assert copy.get_article(gold) is None
            assert original.get_article(gold) is not None  # the eval index is untouched
        # The de-duplicated copy of a removed story goes too.
        assert copy.canonical_id("brightwater-funding-copy") is None
        assert original.canonical_id("brightwater-funding-copy") == "brightwater-funding"
        corpus = " ".join(r.article.text.lower() for r in original.article_records())

    madeup = sets["madeup-report"] + sets["madeup-fit"]
    assert len(madeup) == 240 and len({r["question"] for r in madeup}) > 200
    words = [re.findall(r"\b[A-Z][a-z]{3,}\b", str(row["question"])) for row in madeup]
    common = {w for found in words for w in found if sum(w in f for f in words) > 10}
    invented = [[w.lower() for w in found if w not in common] for found in words]
    assert sum(bool(names) for names in invented) > 200
    for names in invented:  # every invented name (not a template's word) is in no article
        assert not any(re.search(rf"\b{w}\b", corpus) for w in names)

    again = CliRunner().invoke(app, ["unanswerable", "build", *args, "--if-stale"])
    assert again.exit_code == 0 and "up to date" in again.output
