"""NEWSQA_STORE=milvus end to end: `newsqa index` builds product briefs into Milvus Lite
(without Ray: nothing imports it), the engine answers the seed question from them, and
add/delete/status change the index under a serving engine that follows the alias."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.cli.index import app
from service.config import Settings
from service.engine import QAEngine

pytestmark = pytest.mark.slow  # the real model, a real build

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_QUESTION = "who leads Superintelligence Labs?"

# The command line as a user runs it, in a fresh interpreter; then: was Ray ever imported?
_BUILD = """
import json, sys
from service.cli.main import app
app(["index", "build", sys.argv[1]], standalone_mode=False)
ray = sorted(m for m in sys.modules if m == "ray" or m.startswith("ray."))
print(json.dumps({"ray_modules": ray}))
"""


def _milvus_env(root: Path) -> dict[str, str]:
    return {
        "NEWSQA_STORE": "milvus",
        "NEWSQA_MILVUS_URI": str(root / "milvus.db"),
        "NEWSQA_INDEX_DIR": str(root / "locks"),
        # Untagged: the build skips loading spaCy (seconds); the reader tags what it reads.
        "NEWSQA_SENTENCE_ANALYSIS": "false",
    }


@pytest.fixture(scope="module")
def milvus_root(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Path:
    """A dozen briefs of corpus/ (the Meta ones and the first others) built into a Milvus Lite
    file by `newsqa index build` in a subprocess."""
    root = tmp_path_factory.mktemp("milvus_corpus")
    briefs = sorted((REPO_ROOT / "corpus").glob("brief-*.md"))
    chosen = [p for p in briefs if "meta" in p.name or "superintelligence" in p.name]
    chosen += [p for p in briefs if p not in chosen][: 12 - len(chosen)]
    (root / "briefs").mkdir()
    for brief in chosen:
        shutil.copy(brief, root / "briefs" / brief.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(_milvus_env(root), NEWSQA_CACHE_DIR=str(model_cache_dir), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(root / "briefs")], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "build: published gen-000001" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"ray_modules": []}
    return root


@pytest.fixture
def engine(
    milvus_root: Path, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[QAEngine]:
    for name, value in _milvus_env(milvus_root).items():
        monkeypatch.setenv(name, value)
    qa = QAEngine(Settings(), embedder=embedder)
    qa.warm_up()
    yield qa
    qa.close()


def test_the_seed_question_is_answered_from_milvus(engine: QAEngine) -> None:
    assert engine.ready and engine.index_version == "gen-000001"
    result = engine.ask(SEED_QUESTION)
    assert result.answer == "Alexandr Wang"
    cited = {c.article_id for c in result.citations}
    assert cited and cited <= {passage.article_id for passage in result.passages}
    assert result.index_version == "gen-000001"
    view = engine.article(next(iter(cited)))
    assert view.text and view.index_version == "gen-000001"


def test_index_commands_change_milvus_under_a_serving_engine(
    engine: QAEngine, milvus_root: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    status = runner.invoke(app, ["status", "--json"])
    assert status.exit_code == 0, status.output
    figures = json.loads(status.stdout)
    assert figures["faiss_type"] == "milvus:FLAT" and figures["generation"] == "gen-000001"
    assert figures["index_dir"].startswith("milvus ") and figures["disk_bytes"] > 0
    news = tmp_path / "news.jsonl"
    news.write_text(json.dumps({
        "id": "lumora-ceo", "title": "Lumora Labs names a chief executive", "source": "Test Wire",
        "published_at": "2026-03-01",
            "text": "Lumora Labs named Ines Carvalho its chief executive on Monday. She joined "
                "the robotics startup from a chip maker.",
    }) + "\n", encoding="utf-8")  # fmt: skip
    added = runner.invoke(app, ["add", str(news)])
    assert added.exit_code == 0, added.output
    assert "add: published gen-000002" in added.stdout
    assert engine.index_version == "gen-000001"  # serving what it opened until it reloads
    assert engine.maybe_reload() and engine.index_version == "gen-000002"
    hits = engine.retrieve("Lumora Labs chief executive", top_k=3).hits
    # Both legs find it (its keyword rank is the lower: Milvus Lite scores bm25 with each
    # segment's own statistics, and the add sits in a segment of its own; README, Milvus).
    assert hits[0].chunk.article_id == "lumora-ceo"
    assert hits[0].dense_rank == 1 and hits[0].keyword_rank is not None
    deleted = runner.invoke(app, ["delete", "lumora-ceo", "no-such-article"])
    assert deleted.exit_code == 0, deleted.output
    assert "no-such-article: no article with this id in the index" in deleted.output
    assert engine.maybe_reload() and engine.index_version == "gen-000003"
    passages = engine.search("Lumora Labs chief executive", top_k=5).results
    assert "lumora-ceo" not in {passage.article_id for passage in passages}
    plain = runner.invoke(app, ["status"])
    assert "vectors milvus:FLAT" in plain.stdout and "gen-000003" in plain.stdout
