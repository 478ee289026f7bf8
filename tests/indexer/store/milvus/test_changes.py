"""build / add / delete on Milvus leave the index the FAISS store's pipeline leaves.

The same changes go to both stores through the same pipeline; after each, the articles, their
duplicate groups, the chunks, the vectors and the work done (what was embedded, what reused)
must agree. Pseudo-embeddings keep it fast; meaning is tested in test_reader.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from indexer.pipeline.plan import UpdateSummary
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.pipeline.status import index_status
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.reader import MilvusGeneration
from indexer.store.reader import Store, open_index
from tests.indexer.pipeline.test_crash_safety import HashEmbedder, write_corpus
from tests.indexer.pipeline.test_pipeline import ARTICLES, CONFIG, CountingEmbedder, write_jsonl
from tests.indexer.store.milvus.conftest import lite

FAST = replace(CONFIG, sentence_analysis=False)
_WORK = ("articles_added", "articles_updated", "articles_unchanged", "articles_deleted",
         "duplicates_exact", "duplicates_near", "chunks_embedded", "chunks_reused",
         "generation", "published")  # fmt: skip


def _work(summary: UpdateSummary) -> dict[str, object]:
    return {name: getattr(summary, name) for name in _WORK}


def _chunks(index: Store | MilvusGeneration) -> dict[str, tuple[object, ...]]:
    """Every chunk by id with its vector (positions differ by design: Milvus appends)."""
    vector = HashEmbedder().embed_documents
    ids = [c.id for r in index.article_records() if r.canonical_id is None
           for c in index.get_chunks([f"{r.article.id}#{i}" for i in range(40)])]  # fmt: skip
    out = {}
    for chunk in index.get_chunks(ids):
        hits = index.dense_refs(vector([chunk.text])[0], 1)
        out[chunk.id] = (chunk, hits[0].ref.id == chunk.id or chunk.text)
    return out


def _same(faiss_dir: Path, milvus: MilvusLocation) -> None:
    with open_index(faiss_dir) as store:
        live = milvus.open_live()
        assert live.version == store.version
        assert list(live.article_records()) == list(store.article_records())
        assert live.manifest.counts == store.manifest.counts
        assert live.sources() == store.sources()
        assert _chunks(live) == _chunks(store)
        query = HashEmbedder().embed_query("query")
        ours, theirs = live.dense_refs(query, 8), store.dense_refs(query, 8)
        assert [h.ref.id for h in ours] == [h.ref.id for h in theirs]
        assert np.allclose([h.score for h in ours], [h.score for h in theirs], atol=1e-5)


@pytest.mark.parametrize("changes", ["delta", "rebuild"])
def test_every_kind_of_change_leaves_both_stores_alike(tmp_path: Path, changes: str) -> None:
    faiss_dir, milvus = tmp_path / "faiss", lite(tmp_path / "milvus", changes=changes)
    corpus = write_corpus(tmp_path / "corpus", articles=12)
    edited = write_corpus(tmp_path / "edited", articles=12, variant=3)
    duplicates = write_jsonl(tmp_path / "dups.jsonl", ARTICLES)

    def both(step: str, *args: object) -> None:
        runs = []
        for target, embedder in ((faiss_dir, CountingEmbedder()), (milvus, CountingEmbedder())):
            if step == "build":
                summary = build_index(args[0], target, FAST, embedder=embedder, progress=False)
            elif step == "add":
                summary = add_to_index(args[0], target, FAST, embedder=embedder, progress=False)
            else:
                summary = delete_from_index(args[0], target, config=FAST, embedder=embedder)
            runs.append((_work(summary), sorted(embedder.texts)))
        assert runs[0] == runs[1], step
        _same(faiss_dir, milvus)

    both("build", [*corpus, duplicates])
    both("add", edited)  # a few stories edited: only their new text is embedded
    both("delete", ["beaker", "story-4"])  # beaker-copy is promoted in beaker's place
    both("add", [write_jsonl(tmp_path / "again.jsonl", ARTICLES[2:3])])  # now beaker's a copy
    both("add", edited)  # nothing changed: nothing published
    both("build", [corpus[0], duplicates])  # half the stories go; every vector is reused
    status = index_status(milvus)
    assert status.index_dir == f"milvus {milvus.uri} (alias newsqa)"
    assert status.faiss_type == "milvus:FLAT" and status.disk_bytes and status.disk_bytes > 0
    milvus.close()


def test_a_reader_keeps_its_generation_while_changes_are_published(tmp_path: Path) -> None:
    milvus = lite(tmp_path, changes="delta")
    build_index([write_jsonl(tmp_path / "a.jsonl", ARTICLES)], milvus, FAST,
                embedder=HashEmbedder(), progress=False)  # fmt: skip
    first = milvus.open_live()
    delete_from_index(["kestrel"], milvus, config=FAST, embedder=HashEmbedder())  # a delta
    extra = write_jsonl(tmp_path / "b.jsonl", [{**ARTICLES[0], "id": "kestrel-2"}])
    add_to_index([extra], milvus, FAST, embedder=HashEmbedder(), progress=False)  # a delta
    build_index([extra], milvus, FAST, embedder=HashEmbedder(), progress=False)  # a new base
    assert milvus.current_version() == "gen-000004"
    # The first generation still reads as it was: its rows and its base outlive the changes.
    assert first.get_article("kestrel") is not None and first.get_article("kestrel-2") is None
    assert {h.ref.article_id for h in first.keyword_refs("Kestrel warehouse", 10)} == {"kestrel"}
    assert [r.article.id for r in first.article_records()] == [a["id"] for a in ARTICLES]
    latest = milvus.open_live()
    assert [r.article.id for r in latest.article_records()] == ["kestrel-2"]
    assert {h.ref.article_id for h in latest.keyword_refs("Kestrel warehouse", 10)} == {"kestrel-2"}
    milvus.close()


def test_unchanged_inputs_with_if_stale_publish_nothing(tmp_path: Path) -> None:
    milvus = lite(tmp_path)
    source = [write_jsonl(tmp_path / "a.jsonl", ARTICLES)]
    build_index(source, milvus, FAST, embedder=HashEmbedder(), progress=False)
    again = build_index(
        source, milvus, FAST, embedder=HashEmbedder(), progress=False, if_stale=True
    )
    assert not again.published and again.generation == "gen-000001"
    milvus.close()


@pytest.mark.slow  # spaCy tags the sentences
@pytest.mark.parametrize("changes", ["delta", "rebuild"])
def test_sentence_analyses_are_kept_across_changes(tmp_path: Path, changes: str) -> None:
    faiss_dir, milvus = tmp_path / "faiss", lite(tmp_path / "milvus", changes=changes)
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    for target in (faiss_dir, milvus):
        build_index([source], target, CONFIG, embedder=HashEmbedder(), progress=False)
        summary = delete_from_index(["beaker"], target, config=CONFIG, embedder=HashEmbedder())
        assert summary.chunks_tagged == 0  # the promoted copy's text was tagged already
    with open_index(faiss_dir) as store:
        live = milvus.open_live()
        ids = [f"{r.article.id}#0" for r in store.article_records() if r.canonical_id is None]
        assert [c.analysis for c in live.get_chunks(ids)] == [
            c.analysis for c in store.get_chunks(ids)
        ]
        assert all(c.analysis for c in live.get_chunks(ids))
    milvus.close()


def test_milvus_lite_scores_bm25_with_each_segments_own_statistics(tmp_path: Path) -> None:
    """Pins a documented difference from a Milvus server (README, "Milvus and Ray"): Lite keeps
    bm25's statistics per segment, so chunks written by a delta, which sit in a segment of
    their own, score far lower than the same chunks in one build; hence Lite's adds rewrite a
    base by default, which scores them as a build does. A server aggregates statistics over a
    shard's segments; if Lite learns to, this fails and the README must change."""
    corpus = write_corpus(tmp_path / "corpus", articles=30)
    news = write_jsonl(tmp_path / "news.jsonl", [
        {"id": "zephyr", "title": "Zephyr", "text": "Zephyr Robotics unveiled a kite turbine."}
    ])  # fmt: skip
    scores = []
    for name, steps, changes in (
        ("built", [[*corpus, news]], "auto"),
        ("delta", [corpus, [news]], "delta"),
        ("rebuilt", [corpus, [news]], "auto"),
    ):
        milvus = lite(tmp_path / name, changes=changes)
        build_index(steps[0], milvus, FAST, embedder=HashEmbedder(), progress=False)
        for paths in steps[1:]:
            add_to_index(paths, milvus, FAST, embedder=HashEmbedder(), progress=False)
        hits = milvus.open_live().keyword_refs("Zephyr kite turbine", 1)
        assert hits[0].ref.article_id == "zephyr"  # found either way
        scores.append(hits[0].score)
        milvus.close()
    assert scores[1] < scores[0] / 5  # measured: 1.05 against 23.6
    assert scores[2] == pytest.approx(scores[0])
