"""Incremental generations (copy + delta) hold exactly what a full build of the same inputs does."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.config import FaissIndexType, IndexConfig
from indexer.pipeline import add_to_index, build_index, delete_from_index
from indexer.store import SQLITE_NAME, open_index
from tests.indexer.test_crash_safety import HashEmbedder
from tests.indexer.test_pipeline import _article, write_jsonl

_WORDS = ["lidar", "tensor", "quarry", "harbor", "violet", "summit", "cobalt", "meadow", "falcon"]


def _story(n: int, revision: int = 0) -> dict[str, object]:
    """An invented article of a few paragraphs, distinct per `n` (and per `revision`)."""
    word = _WORDS[n % len(_WORDS)]
    paragraphs = [
        f"Story {n} concerns the {word} project number {n * 7 + k}. Engineers measured "
        f"{n + k} widgets and reported {k * 3 + n} anomalies in the {word} trial."
        for k in range(2 + n % 3)
    ]
    if revision:
        paragraphs.append(f"Revision {revision} of story {n} adds a closing remark.")
    return _article(f"s{n}", "\n\n".join(paragraphs), published_at=f"2026-02-{1 + n:02d}")


def _snapshot(index: Path) -> dict[str, Any]:
    """Everything an index holds, independent of row order and vector positions."""
    embedder = HashEmbedder()
    with open_index(index) as store:
        chunks = store._query(
            "SELECT position, id, article_id, ordinal, text, start_char, end_char, title, source "
            "FROM chunks ORDER BY position"
        )
        articles = store._query(
            "SELECT id, canonical_id, dup_kind, content_hash FROM articles ORDER BY id"
        )
        vectors = store.vectors()
        # Dense positions, each holding its own text's vector, found by dense search.
        assert [row[0] for row in chunks] == list(range(len(chunks)))
        expected = embedder.embed_documents([row[4] for row in chunks])
        assert np.allclose(vectors, expected, atol=1e-6)
        for row, vector in zip(chunks, expected, strict=True):
            assert store.dense_search(vector, 1)[0].chunk.id == row[1]
        counts = store.manifest.counts
        faiss_type = store.manifest.faiss_type
    db = sqlite3.connect(index / (index / "CURRENT").read_text().strip() / SQLITE_NAME)
    try:  # the keyword index agrees with the chunk rows it indexes
        db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1)")
        fts_rows = db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    finally:
        db.close()
    assert fts_rows == len(chunks) == counts.chunks == counts.vectors
    return {
        "chunks": sorted(row[1:] for row in chunks),
        "articles": articles,
        "counts": counts,
        "faiss": faiss_type,
    }


@pytest.mark.parametrize("faiss_type", ["flat", "hnsw"])
def test_adds_and_deletes_match_a_full_build_of_the_same_inputs(
    tmp_path: Path, faiss_type: FaissIndexType
) -> None:
    config = IndexConfig(
        chunk_target_tokens=24, chunk_overlap_tokens=4, faiss_index_type=faiss_type
    )
    embedder = HashEmbedder()
    index = tmp_path / "incremental"
    first = [_story(n) for n in range(8)] + [_article("s2-copy", str(_story(2)["text"]))]
    build_index(
        [write_jsonl(tmp_path / "a.jsonl", first)], index, config, embedder=embedder, progress=False
    )
    # New stories, an edited one, and a copy of an existing one.
    second = [_story(n) for n in range(8, 11)] + [_story(1, revision=1)]
    second.append(_article("s9-copy", str(_story(9)["text"])))
    add = add_to_index(
        [write_jsonl(tmp_path / "b.jsonl", second)],
        index,
        config,
        embedder=embedder,
        progress=False,
    )
    assert (add.articles_added, add.articles_updated, add.duplicates_exact) == (4, 1, 1)
    assert add.chunks_embedded > 0 and add.chunks_reused > 0
    # Early articles go, so tail chunks move into their positions; s2 promotes its copy.
    removed = delete_from_index(["s0", "s2", "s3"], index, embedder=embedder, progress=False)
    assert removed.articles_deleted == 3 and removed.chunks_embedded == 0

    final = [a for a in first if a["id"] not in ("s0", "s2", "s3", "s1")] + second
    full = tmp_path / "full"
    build_index(
        [write_jsonl(tmp_path / "c.jsonl", final)], full, config, embedder=embedder, progress=False
    )
    got, want = _snapshot(index), _snapshot(full)
    assert got == want
    assert got["faiss"] == faiss_type
    with open_index(index) as store:
        assert store.canonical_id("s2-copy") == "s2-copy"
        assert [h.chunk.article_id for h in store.keyword_search("Revision 1 closing", 1)] == ["s1"]
        assert store.keyword_search("story 0 concerns", 50)
        assert all(h.chunk.article_id not in ("s0", "s2", "s3")
                   for h in store.keyword_search("story concerns project", 50))  # fmt: skip


def test_an_add_that_only_grows_the_index_keeps_every_old_position(tmp_path: Path) -> None:
    config = IndexConfig(chunk_target_tokens=24, chunk_overlap_tokens=4)
    index = tmp_path / "index"
    build_index(
        [write_jsonl(tmp_path / "a.jsonl", [_story(n) for n in range(4)])],
        index,
        config,
        embedder=HashEmbedder(),
        progress=False,
    )
    with open_index(index) as store:
        before = store._query("SELECT position, id FROM chunks ORDER BY position")
    add_to_index(
        [write_jsonl(tmp_path / "b.jsonl", [_story(5)])],
        index,
        config,
        embedder=HashEmbedder(),
        progress=False,
    )
    with open_index(index) as store:
        after = store._query("SELECT position, id FROM chunks ORDER BY position")
    assert after[: len(before)] == before and len(after) > len(before)
    _snapshot(index)
