"""`newsqa bench names`: names one article writes, asked alone over the real small index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.names import run_names_benchmark, unique_names
from indexer.types import Article
from service.cli.main import app

pytestmark = pytest.mark.slow  # the real model and index


def _article(article_id: str, text: str) -> Article:
    return Article(id=article_id, text=text)


def test_a_name_counts_only_where_one_article_writes_it() -> None:
    found = unique_names(
        [
            _article("a", "Pieter Vanhal spoke. The Norland Labour Authority met Pieter Vanhal."),
            _article("b", "Staff of the Norland Labour Authority left. Gemma 3 shipped."),
        ]
    )
    # Two articles name the authority; a sentence's opener is no part of a name.
    assert found == {"Pieter Vanhal": "a", "Gemma 3": "b"}


def test_names_of_the_small_index_are_found_and_written(small_index: Path, tmp_path: Path) -> None:
    articles = small_index.parent / "articles.jsonl"
    out = tmp_path / "names.json"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "names",
            "--corpus",
            str(articles),
            "--index",
            str(small_index),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["config"]["names"] == written["config"]["of"] > 3
    shares = [written["hit_at"][k] for k in ("1", "5", "10")]
    assert 0 < shares[0] <= shares[1] <= shares[2] <= 1
    assert "top 5" in result.output


def test_a_corpus_without_such_names_is_a_clear_error(small_index: Path) -> None:
    with pytest.raises(ValueError, match="no name is written by exactly one article"):
        run_names_benchmark(small_index, [_article("a", "nothing in capitals here.")], limit=5)
