"""`newsqa index ...`: messages and exit codes (0 done, 1 index trouble, 2 missing path)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.store.generations import writer_lock
from service.cli.index import app
from service.config import get_settings
from tests.indexer.pipeline.test_pipeline import ARTICLES, write_jsonl

runner = CliRunner()


def _index_dir() -> Path:
    return Path(os.environ["NEWSQA_INDEX_DIR"])  # set per test by the clean_environ fixture


@pytest.mark.slow
def test_build_status_add_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_CHUNK_TARGET_TOKENS", "40")
    monkeypatch.setenv("NEWSQA_CHUNK_OVERLAP_TOKENS", "8")
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:3], extra='{"id": "x"}\n')
    result = runner.invoke(app, ["build", str(source)])
    assert result.exit_code == 0, result.output
    assert f"{source}:4: " in result.output  # the skipped line, as path:line: reason
    assert "published gen-000001" in result.output and "problems 1" in result.output

    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["generation"] == "gen-000001" and status["articles"] == 3
    assert status["index_dir"] == str(_index_dir()) and status["chunks"] == status["vectors"]
    assert status["chunking"] == {"target_tokens": 40, "overlap_tokens": 8}
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0 and "articles 3" in result.output

    result = runner.invoke(app, ["add", str(source)])  # nothing new: the model is not loaded
    assert result.exit_code == 0 and "nothing changed" in result.output

    result = runner.invoke(app, ["delete", "parley", "nope"])
    assert result.exit_code == 0, result.output
    assert "nope: no article with this id in the index" in result.output
    assert "published gen-000002" in result.output and "deleted 1" in result.output


def test_missing_path_exits_2_naming_it(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    for command in ("build", "add"):
        result = runner.invoke(app, [command, str(source), str(tmp_path / "gone.jsonl")])
        assert result.exit_code == 2
        assert f"input path does not exist: {tmp_path / 'gone.jsonl'}" in result.output
    assert not _index_dir().exists() or not (_index_dir() / "CURRENT").exists()


def test_no_index_exits_1_with_a_clear_message() -> None:
    for args in (["status"], ["delete", "some-id"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert "no index" in result.output and "Traceback" not in result.output


def test_locked_index_exits_1_naming_the_pid(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    with writer_lock(_index_dir()):
        result = runner.invoke(app, ["build", str(source), "--index", str(_index_dir())])
    assert result.exit_code == 1
    assert f"locked by pid {os.getpid()}" in result.output and "Traceback" not in result.output


def test_strict_build_with_problems_exits_1_and_publishes_nothing(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES, extra="not json\n")
    result = runner.invoke(app, ["build", str(source), "--strict"])
    assert result.exit_code == 1
    assert f"{source}:5" in result.output and "nothing published" in result.output
    assert not (_index_dir() / "CURRENT").exists()


@pytest.mark.slow
def test_corrupt_index_exits_1_naming_the_file(small_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small_index, copy)
    vectors = copy / "gen-000001" / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-100])
    result = runner.invoke(app, ["status", "--index", str(copy)])
    assert result.exit_code == 1
    assert "vectors.npy failed its sha256 checksum" in result.output
    assert "Traceback" not in result.output


def test_unknown_model_exits_1_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(tmp_path / "no-such-model"))
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    result = runner.invoke(app, ["build", str(source)])
    assert result.exit_code == 1
    assert "no-such-model" in result.output and "Traceback" not in result.output


def test_settings_map_onto_the_index_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_FAISS_INDEX_TYPE", "hnsw")
    monkeypatch.setenv("NEWSQA_EMBEDDING_BATCH_SIZE", "8")
    monkeypatch.setenv("NEWSQA_NEAR_DUPLICATE_THRESHOLD", "0.9")
    get_settings.cache_clear()
    config = get_settings().index_config()
    assert (config.faiss_index_type, config.batch_size) == ("hnsw", 8)
    assert config.near_duplicate_threshold == 0.9
    assert config.embedding_model == "all-MiniLM-L6-v2"
