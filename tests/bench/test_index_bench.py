"""The index benchmark, end to end on a tiny invented corpus (figures are not checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.index import run_index_bench, split_corpus, write_json
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.cli.main import app

ARTICLES = [
    {"id": "b1", "title": "Chips", "text": "Plimsoll Labs shipped a new accelerator. It is fast."},
    {"id": "b2", "title": "Rules", "text": "The regulator opened an inquiry.\n\nIt ends in May."},
    {"id": "b3", "title": "Code", "text": "A start-up released a coding model. Users liked it."},
    {"id": "b4", "title": "Power", "text": "A data centre will be built in the desert. Soon."},
]


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(
        "".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8"
    )
    return corpus


def test_split_corpus_holds_out_the_last_lines(tiny_corpus: Path, tmp_path: Path) -> None:
    main, held = split_corpus(tiny_corpus, tmp_path / "work", holdout=1, limit=2)
    kept = (main / "news.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in kept] == ["b1", "b2"]
    assert [json.loads(line)["id"] for line in held.read_text().splitlines()] == ["b4"]
    with pytest.raises(ValueError, match="need more than 4"):
        split_corpus(tiny_corpus, tmp_path / "again", holdout=4, limit=None)


@pytest.mark.slow
def test_bench_runs_end_to_end(
    tiny_corpus: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    result = run_index_bench(
        tiny_corpus,
        repeats=2,
        batch_size=embedder.batch_size,
        holdout=1,
        progress=False,
        embedder=embedder,
    )
    median = result["median"]
    assert median["articles"] == 3
    assert median["chunks"] == 3
    assert median["add_articles"] == 1
    assert median["tokens_embedded"] == sum(
        embedder.count_tokens([a["text"] for a in ARTICLES[:3]])
    )
    assert len(result["runs"]) == 2
    assert result["machine"]["cores"] >= 1
    assert result["peak_rss_mib"] > 0
    assert set(result["goals"]) == {"pipeline_vs_ceiling", "add_10"}
    # Sentence tagging is timed on its own and left out of the embedding ratio only.
    assert 0 < median["seconds_tagging"] < median["seconds_total"]
    assert median["ratio_untagged_pipeline_to_ceiling"] > median["ratio_pipeline_to_ceiling"]
    out = tmp_path / "out" / "index.json"
    write_json(result, out)
    assert json.loads(out.read_text())["config"]["repeats"] == 2


def test_cli_rejects_a_missing_corpus(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    outcome = CliRunner().invoke(
        app, ["bench", "index", "--corpus", str(missing)], env={"COLUMNS": "500"}
    )
    assert outcome.exit_code == 2
    assert "--corpus" in outcome.output
    assert f"'{missing}' does not exist" in outcome.output
