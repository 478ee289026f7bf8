"""Suite files: parsing, path resolution, and the shipped dev and smoke suites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.run import DatasetSpec, RunOptions, options_from, prepare
from eval.splits import half_of
from eval.suites import SuiteError, load_suite

REPO = Path(__file__).resolve().parents[2]


def test_relative_paths_resolve_against_the_repo_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "eval" / "suites"
    folder.mkdir(parents=True)
    suite_file = folder / "s.toml"
    suite_file.write_text(
        'name = "s"\n[index]\ndir = "var/index"\n[run]\ntop_k = 5\n'
        '[[datasets]]\npath = "data/q.jsonl"\nids = "data/q.ids"\nlimit = 3\n',
        encoding="utf-8",
    )
    suite = load_suite(suite_file)
    assert suite.index_dir == tmp_path / "var" / "index"
    (spec,) = suite.datasets
    assert (spec.name, spec.path, spec.ids, spec.limit) == (
        "q",
        tmp_path / "data" / "q.jsonl",
        tmp_path / "data" / "q.ids",
        3,
    )
    assert suite.options == {"top_k": 5}
    assert suite.corpus == ()


def test_unknown_run_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown run options"):
        options_from({"top_kk": 3})
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        options_from({"top_k": 0})
    with pytest.raises(ValueError, match="limit must be at least 0"):
        options_from({"limit": -2})
    with pytest.raises(ValueError, match="answer_mode must be one of"):
        options_from({"answer_mode": "guess"})
    with pytest.raises(ValueError, match="unknown retrieval modes"):
        options_from({"retrieval_modes": ["bm25"]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n', "at least one"),
        ("[[datasets]]\nlimit = 2\n", r"datasets\[0\]\.path"),
        ('[[datasets]]\npath = "a"\nlimit = -1\n', "limit"),
        ('[[datasets]]\npath = "a"\n[[datasets]]\npath = "b/a"\n', "unique"),
        ("not toml = = \n", "s.toml"),
        ('[[datasets]]\npath = "a"\nhalf = "held-out"\n', r"datasets\[0\]\.half"),
    ],
)
def test_bad_suites_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("dev", 1450, 1600), ("dev-no-asof", 1450, 1600), ("smoke", 40, 60)],
)
def test_shipped_suites_name_existing_files(
    shared_data_dir: Path, name: str, low: int, high: int
) -> None:
    suite = load_suite(REPO / "eval" / "suites" / f"{name}.toml")
    for spec in suite.datasets:
        assert spec.path.exists(), spec.path
        assert spec.ids is None or spec.ids.exists(), spec.ids
    assert suite.corpus and all(path.exists() for path in suite.corpus)
    options = options_from(suite.options)
    prepared = prepare(suite.datasets, options)
    assert prepared.problems == ()
    assert low <= len(prepared.questions) <= high
    assert prepared.datasets["realtimeqa"]["ids_not_found"] == 0
    if name.startswith("dev"):  # MultiHop-RAG is reported on its held-out half only
        assert prepared.datasets["multihop"]["half"] == "reported"
        assert options.use_as_of == (name == "dev")


def test_a_dataset_half_keeps_only_that_half(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": f"mh-{n}", "question": f"Question {n}?", "answers": ["x"]})
        for n in range(40)
    ]
    (tmp_path / "q.jsonl").write_text("\n".join(lines), encoding="utf-8")
    reported = prepare([DatasetSpec("q", tmp_path / "q.jsonl", half="reported")], RunOptions())
    tuning = prepare([DatasetSpec("q", tmp_path / "q.jsonl", half="tuning")], RunOptions())
    ids_reported = {q.id for q in reported.questions}
    ids_tuning = {q.id for q in tuning.questions}
    assert ids_reported and ids_tuning and not ids_reported & ids_tuning
    assert ids_reported | ids_tuning == {f"mh-{n}" for n in range(40)}
    assert all(half_of(i) == "reported" for i in ids_reported)
