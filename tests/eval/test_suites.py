"""Suite files: parsing, path resolution, and the shipped dev and smoke suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.run import options_from, prepare
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
    ],
)
def test_bad_suites_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


@pytest.mark.shared
@pytest.mark.parametrize(("name", "low", "high"), [("dev", 1400, 1700), ("smoke", 40, 60)])
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
