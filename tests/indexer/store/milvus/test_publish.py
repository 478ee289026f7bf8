"""Publishing on Milvus keeps the FAISS store's promise: a reader never sees half a change.

A build is live only when the alias moves, a delta only when its generation is recorded; what
a failed or killed writer leaves is undone by the next one; superseded generations are deleted
only after KEEP_GENERATIONS newer ones and their grace time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.store.milvus.catalog import Catalog
from indexer.store.milvus.filters import visible
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.schema import OPEN
from tests.indexer.pipeline.test_crash_safety import REPO_ROOT, HashEmbedder, write_corpus
from tests.indexer.pipeline.test_pipeline import ARTICLES, CONFIG, write_jsonl
from tests.indexer.store.milvus.conftest import lite

FAST = replace(CONFIG, sentence_analysis=False)


def _rows(location: MilvusLocation, expression: str = "gen_from >= 0") -> dict[str, int]:
    """Rows physically in the live base's collections (all generations)."""
    live = location.open_live()
    return {
        name: len(location.client.query(name, filter=expression, output_fields=["gen_from"],
                                         limit=16_384))
        for name in (live.names.chunks, live.names.articles)
    }  # fmt: skip


def assert_consistent(location: MilvusLocation) -> None:
    """The live generation's rows are exactly what its manifest says, chunks cite their text."""
    live = location.open_live()
    counts = live.manifest.counts
    records = list(live.article_records())
    canonical = {r.article.id: r.article for r in records if r.canonical_id is None}
    assert (len(records), len(canonical)) == (counts.articles, counts.indexed_articles)
    chunks = location.client.query(
        live.names.chunks,
        filter=visible(live.published.generation),
        output_fields=["chunk_id", "article_id", "text", "start_char", "end_char"],
        limit=16_384,
    )
    assert len(chunks) == counts.chunks
    assert {c["article_id"] for c in chunks} == set(canonical)
    for c in chunks:
        assert canonical[c["article_id"]].text[c["start_char"] : c["end_char"]] == c["text"]
    for r in records:
        if r.canonical_id is not None:
            assert r.canonical_id in canonical


def test_a_failed_delta_publishes_nothing_and_is_undone_by_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    milvus = lite(tmp_path, changes="delta")
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], milvus, FAST, embedder=HashEmbedder(), progress=False)
    before = _rows(milvus)
    extra = write_jsonl(tmp_path / "b.jsonl", [{**ARTICLES[0], "id": "kestrel-2", "text": "New."}])

    def crash(*args: object) -> int:
        raise OSError(28, "No space left on device")

    # The new rows are in, the replaced ones not yet retired, the generation not recorded.
    monkeypatch.setattr("indexer.store.milvus.rows._retire", crash)
    with pytest.raises(OSError, match="No space left"):
        delete_from_index(["kestrel"], milvus, config=FAST, embedder=HashEmbedder())
    with pytest.raises(OSError, match="No space left"):
        add_to_index([extra], milvus, FAST, embedder=HashEmbedder(), progress=False)
    assert milvus.current_version() == "gen-000001"
    assert _rows(milvus) != before  # rows of the unpublished change are there, unseen
    live = milvus.open_live()
    assert live.get_article("kestrel") is not None and live.get_article("kestrel-2") is None
    assert_consistent(milvus)
    monkeypatch.undo()
    summary = delete_from_index(["parley"], milvus, config=FAST, embedder=HashEmbedder())
    assert summary.generation == "gen-000002"
    assert_consistent(milvus)
    live = milvus.open_live()
    assert live.get_article("kestrel") is not None and live.get_article("kestrel-2") is None
    assert live.get_article("parley") is None
    milvus.close()


def test_a_build_that_fails_before_the_alias_moves_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    milvus = lite(tmp_path)
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], milvus, FAST, embedder=HashEmbedder(), progress=False)
    collections = sorted(milvus.client.list_collections())

    def crash(self: Catalog, base: str) -> None:
        raise ConnectionError("the server went away")

    monkeypatch.setattr(Catalog, "switch", crash)
    with pytest.raises(ConnectionError):
        build_index([source], milvus, FAST, embedder=HashEmbedder(), progress=False)
    assert milvus.current_version() == "gen-000001"
    assert len(milvus.client.list_collections()) == len(collections) + 2  # the new base
    monkeypatch.undo()
    with milvus.writer_lock():  # a writer cleans up before it writes
        assert sorted(milvus.client.list_collections()) == collections
        assert [g for g, _, _ in milvus.catalog().recorded()] == [1]
    milvus.close()


def test_superseded_generations_and_bases_are_collected_after_their_grace(
    tmp_path: Path,
) -> None:
    milvus = lite(tmp_path, changes="delta")
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], milvus, FAST, embedder=HashEmbedder(), progress=False)
    for article in ("kestrel", "parley"):
        delete_from_index([article], milvus, config=FAST, embedder=HashEmbedder())
    catalog = milvus.catalog()
    assert catalog.collect_garbage() == []  # three generations, all kept
    build_index([source], milvus, FAST, embedder=HashEmbedder(), progress=False)  # new base
    later = time.time() + 3600
    assert catalog.collect_garbage(now=time.time()) == []  # gen 1 is within its grace
    assert catalog.collect_garbage(now=later) == [1]

    def first_base() -> list[str]:
        return [c for c in milvus.client.list_collections() if c.endswith("b000001")]

    assert len(first_base()) == 2  # generations 2 and 3 still read the first base
    delete_from_index(["beaker"], milvus, config=FAST, embedder=HashEmbedder())
    assert catalog.collect_garbage(now=later) == [2] and len(first_base()) == 2
    delete_from_index(["beaker-copy"], milvus, config=FAST, embedder=HashEmbedder())
    assert catalog.collect_garbage(now=later) == [3] and first_base() == []
    # Rows every kept generation has retired are deleted; the rest serve generations 5 to 7.
    delete_from_index(["kestrel"], milvus, config=FAST, embedder=HashEmbedder())
    assert _rows(milvus, "gen_to <= 5") != {k: 0 for k in _rows(milvus)}  # beaker's rows
    assert catalog.collect_garbage(now=later) == [4]
    assert _rows(milvus) == _rows(milvus, "gen_to > 5")
    assert_consistent(milvus)
    milvus.close()


# --------------------------------------------------------------------------- killed writers


def _leftovers(milvus: MilvusLocation) -> bool:
    """Whether a writer left unpublished work: rows, a base or a recorded generation."""
    catalog = milvus.catalog()
    live = catalog.current()
    assert live is not None
    _, generation = live
    unpublished = f"gen_from > {generation} or (gen_to > {generation} and gen_to < {OPEN})"
    rows = sum(_rows(milvus, unpublished).values())
    later = [g for g, _, _ in catalog.recorded() if g > generation]
    bases = {c.rsplit("_", 1)[-1] for c in milvus.client.list_collections() if "_b0" in c}
    return bool(rows or later or bases - {b for _, b, _ in catalog.recorded()})


@pytest.mark.slow  # a few child processes, each importing pymilvus
def test_a_writer_killed_at_random_moments_never_breaks_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    paths = write_corpus(corpus, articles=20)
    milvus = lite(tmp_path, changes="delta")
    build_index(paths, milvus, FAST, embedder=HashEmbedder(), progress=False)
    milvus.close()
    rng = random.Random(11)
    interrupted, log = [], tmp_path / "writer.log"
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.indexer.store.milvus.test_publish", str(corpus),
             str(tmp_path), str(log)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.3, 1.5))
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        milvus = lite(tmp_path, changes="delta")  # free again: the killed process held it
        assert_consistent(milvus)  # whatever the kill interrupted, the live generation is whole
        lines = log.read_text().split()
        interrupted.append(lines[-1] == "writing")
        published = [line for line in lines if line.startswith("gen-")]
        if published:  # every generation the writer was told was published survives the kill
            assert (milvus.current_version() or "") >= published[-1]
        # The next writer undoes what the killed one left, and publishes.
        before = milvus.current_version()
        delete_from_index(["story-19"], milvus, config=FAST, embedder=HashEmbedder())
        add_to_index(paths, milvus, FAST, embedder=HashEmbedder(), progress=False)
        assert milvus.current_version() != before and not _leftovers(milvus)
        assert_consistent(milvus)
        milvus.close()
    assert any(interrupted), "no kill landed inside a write: nothing was tested"


def _work(corpus: Path, root: Path, log: Path) -> None:
    """Build, add and delete in a loop until killed (run in a child process), logging each
    write's start and the generation it published."""
    milvus = lite(root, changes="delta")
    paths = sorted(corpus.glob("*.jsonl"))
    milvus.current_version()  # connected: the kill comes during writes, not start-up
    print("ready", flush=True)
    with log.open("w", buffering=1) as out:
        for step in range(1_000_000):
            out.write("writing\n")
            if step % 3 == 0:
                s = build_index(paths[step % 2 :], milvus, FAST, embedder=HashEmbedder(),
                                progress=False)  # fmt: skip
            elif step % 3 == 1:
                s = add_to_index(paths, milvus, FAST, embedder=HashEmbedder(), progress=False)
            else:
                s = delete_from_index([f"story-{step % 19}"], milvus, config=FAST,
                                      embedder=HashEmbedder())  # fmt: skip
            out.write(f"{s.generation}\n")


if __name__ == "__main__":
    _work(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
