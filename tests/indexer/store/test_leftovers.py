"""What a killed writer leaves is reported by `newsqa index status` and cleared by `gc`,
never while a live writer holds the lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.config import IndexConfig
from indexer.pipeline.run import build_index
from indexer.store.generations import LOCK, clear_leftovers, find_leftovers, writer_lock
from indexer.store.reader import open_index
from service.cli.index import app
from tests.indexer.pipeline.test_crash_safety import HashEmbedder, write_corpus

runner = CliRunner()

# A writer that takes the lock, starts a generation and renames one into place, then waits to
# be killed (as `newsqa index build` would be, between its writes).
_WRITER = """
import os, sys, time
from pathlib import Path
from indexer.store.generations import new_temp_dir, writer_lock
index = Path(sys.argv[1])
with writer_lock(index):
    new_temp_dir(index)
    (index / "gen-000009").mkdir()
    (index / "CURRENT.tmp").write_text("gen-000009")
    (index / ".trash-gen-000000").mkdir()
    print("written", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A real published generation (cheap hash embeddings), gen-000001."""
    config = IndexConfig(chunk_target_tokens=48, chunk_overlap_tokens=8, sentence_analysis=False)
    paths = write_corpus(tmp_path / "corpus", articles=6)
    index = tmp_path / "index"
    build_index(paths, index, config, embedder=HashEmbedder(), progress=False)
    return index


@pytest.fixture
def writer(index_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A live writer holding the index's lock, with its work in progress on disk."""
    command = [sys.executable, "-c", _WRITER, str(index_dir)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None and process.stdout.readline().strip() == "written"
        try:
            yield process
        finally:
            process.kill()


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


LEFT = (".trash-gen-000000", "CURRENT.tmp", "gen-000009")


def test_a_live_writers_work_is_not_reported_and_gc_refuses_to_touch_it(
    index_dir: Path, writer: subprocess.Popen[str]
) -> None:
    assert find_leftovers(index_dir).writer_pid == writer.pid
    result = runner.invoke(app, ["status", "--index", str(index_dir)])
    assert result.exit_code == 0
    assert f"a writer (pid {writer.pid}) is running" in result.output
    result = runner.invoke(app, ["gc", "--index", str(index_dir)])
    assert result.exit_code == 1 and f"locked by pid {writer.pid}" in result.output
    assert all((index_dir / name).exists() for name in LEFT)


def test_after_a_kill_status_reports_the_leftovers_and_gc_clears_them(
    index_dir: Path, writer: subprocess.Popen[str]
) -> None:
    _kill(writer)
    found = find_leftovers(index_dir)
    temp = [name for name in found.paths if name.startswith(".tmp-")]
    assert len(temp) == 1 and set(found.paths) == {*LEFT, *temp}
    assert found.stale_pid == writer.pid and found.writer_pid is None

    status = json.loads(runner.invoke(app, ["status", "--json", "--index", str(index_dir)]).stdout)
    assert status["generation"] == "gen-000001"
    assert sorted(status["leftovers"]["paths"]) == sorted(found.paths)
    assert status["leftovers"]["stale_pid"] == writer.pid
    text = runner.invoke(app, ["status", "--index", str(index_dir)]).output
    assert f"pid {writer.pid} in LOCK (no such writer is running)" in text
    assert "clear with `newsqa index gc`" in text

    result = runner.invoke(app, ["gc", "--index", str(index_dir)])
    assert (
        result.exit_code == 0 and "gc: removed " in result.output and "gen-000009" in result.output
    )
    assert not find_leftovers(index_dir)
    assert sorted(p.name for p in index_dir.iterdir()) == ["CURRENT", LOCK, "gen-000001"]
    assert (index_dir / LOCK).read_text() == ""
    with open_index(index_dir) as store:  # the live generation is untouched
        assert store.version == "gen-000001"
    assert runner.invoke(app, ["gc", "--index", str(index_dir)]).output == "gc: nothing to remove\n"


def test_the_next_writer_clears_them_too(index_dir: Path, writer: subprocess.Popen[str]) -> None:
    _kill(writer)
    with writer_lock(index_dir):
        assert not [p for p in index_dir.iterdir() if p.name in LEFT or p.name.startswith(".tmp")]
        assert (index_dir / LOCK).read_text().strip() == str(os.getpid())
    assert (index_dir / LOCK).read_text() == ""  # a writer that finishes takes its pid away


def test_status_without_an_index_still_names_the_leftovers(tmp_path: Path) -> None:
    index = tmp_path / "index"
    (index / ".tmp-1-abcd").mkdir(parents=True)
    result = runner.invoke(app, ["status", "--index", str(index)])
    assert result.exit_code == 1
    assert "leftovers: .tmp-1-abcd" in result.output and "no index" in result.output
    assert clear_leftovers(index).paths == (".tmp-1-abcd",)
    assert clear_leftovers(tmp_path / "never-made").paths == ()


def test_a_pid_in_lock_whose_process_runs_is_a_writer_not_a_leftover(index_dir: Path) -> None:
    (index_dir / LOCK).write_text(f"{os.getpid()}\n")
    assert find_leftovers(index_dir).writer_pid == os.getpid()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    time.sleep(0.05)
    (index_dir / LOCK).write_text(f"{dead}\n")
    assert find_leftovers(index_dir).stale_pid == int(dead)
