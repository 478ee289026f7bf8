"""Incremental generations (copy + delta) hold exactly what a full build of the same inputs does."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.config import FaissIndexType, IndexConfig
from indexer.hashing import text_sha256
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.store.reader import open_index
from indexer.store.schema import SQLITE_NAME
from indexer.text.analysis import SentenceAnalysis, SentenceAnalyzer, decode
from indexer.text.sentences import split_sentences
from tests.conftest import dense_hits, keyword_hits
from tests.indexer.pipeline.test_crash_safety import HashEmbedder
from tests.indexer.pipeline.test_pipeline import _article, write_jsonl

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
            assert dense_hits(store, vector, 1)[0].chunk.id == row[1]
        counts = store.manifest.counts
        faiss_type = store.manifest.faiss_type
        analyser = store.manifest.sentence_analysis
        # Every chunk carries the analysis of its own text, or none where none was made.
        stored = {c.id: c.analysis for c in store.get_chunks([row[1] for row in chunks])}
    db = sqlite3.connect(index / (index / "CURRENT").read_text().strip() / SQLITE_NAME)
    try:  # the keyword index agrees with the chunk rows it indexes
        db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1)")
        fts_rows = db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
        analyses = db.execute("SELECT text_sha256, analysis FROM chunk_analysis").fetchall()
    finally:
        db.close()
    assert fts_rows == len(chunks) == counts.chunks == counts.vectors
    # One analysis per distinct chunk text, none for text no chunk holds.
    assert {digest for digest, _ in analyses} == (
        {text_sha256(row[4]) for row in chunks} if analyser else set()
    )
    for row in chunks:
        analysis = stored[row[1]]
        assert (analysis is not None) == (analyser is not None)
        if analysis is not None:
            spans = [(a.start, a.end) for a in decode(analysis)]
            assert spans == split_sentences(row[4])
    return {
        "chunks": sorted(row[1:] for row in chunks),
        "articles": articles,
        "counts": counts,
        "faiss": faiss_type,
        "analyses": sorted(analyses),
        "analyser": analyser,
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
        assert [h.chunk.article_id for h in keyword_hits(store, "Revision 1 closing", 1)] == ["s1"]
        assert keyword_hits(store, "story 0 concerns", 50)
        assert all(h.chunk.article_id not in ("s0", "s2", "s3")
                   for h in keyword_hits(store, "story concerns project", 50))  # fmt: skip
        # Positions moved by the deletes: bm25 from memory still matches FTS5 exactly.
        queries = ["Revision 1 closing", "story concerns project", "lidar widgets anomalies"]
        from_fts5 = [[(h.chunk, h.score) for h in keyword_hits(store, q, 20)] for q in queries]
        assert store.load_keyword_postings()
        from_memory = [[(h.chunk, h.score) for h in keyword_hits(store, q, 20)] for q in queries]
        assert from_memory == from_fts5 and all(from_fts5)


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


class _CountingAnalyzer:
    """The real analyzer, recording every chunk text it is asked to tag."""

    def __init__(self, real: SentenceAnalyzer) -> None:
        self._real = real
        self.name = real.name
        self.seen: list[str] = []

    def analyse(self, texts: Sequence[str]) -> list[list[SentenceAnalysis]]:
        self.seen.extend(texts)
        return self._real.analyse(texts)


def test_sentences_are_tagged_once_per_text_across_generations(
    tmp_path: Path, analyzer: SentenceAnalyzer
) -> None:
    counting = _CountingAnalyzer(analyzer)
    tagger: Any = counting  # the pipeline reads its name and calls analyse
    config = IndexConfig(chunk_target_tokens=24, chunk_overlap_tokens=4)
    index = tmp_path / "index"
    embedder = HashEmbedder()
    first = [_story(n) for n in range(4)]
    first_paths = [write_jsonl(tmp_path / "a.jsonl", first)]
    build_index(first_paths, index, config, embedder=embedder, analyzer=tagger)
    with open_index(index) as store:
        texts = {row[0] for row in store._query("SELECT text FROM chunks")}
    assert sorted(counting.seen) == sorted(texts)  # each distinct text once

    counting.seen.clear()
    more = [write_jsonl(tmp_path / "b.jsonl", [_story(7)])]
    add_to_index(more, index, config, embedder=embedder, analyzer=tagger)
    with open_index(index) as store:
        new = {row[0] for row in store._query("SELECT text FROM chunks")} - texts
        assert store.manifest.sentence_analysis == counting.name
    assert new and sorted(counting.seen) == sorted(new)  # only the added story's text

    counting.seen.clear()  # a rebuild of the same inputs copies every analysis it can
    rebuilt = [write_jsonl(tmp_path / "c.jsonl", [*first, _story(7)])]
    build_index(rebuilt, index, config, embedder=embedder, analyzer=tagger)
    assert counting.seen == []
    _snapshot(index)


def test_turning_sentence_analysis_off_and_on(tmp_path: Path, analyzer: SentenceAnalyzer) -> None:
    index = tmp_path / "index"
    embedder = HashEmbedder()
    stories = write_jsonl(tmp_path / "a.jsonl", [_story(n) for n in range(3)])
    off = IndexConfig(chunk_target_tokens=24, chunk_overlap_tokens=4, sentence_analysis=False)
    build_index([stories], index, off, embedder=embedder, progress=False)
    assert _snapshot(index)["analyser"] is None
    # A delete with no config of its own keeps the index untagged (it tags nothing).
    delete_from_index(["s1"], index, embedder=embedder)
    assert _snapshot(index)["analyser"] is None
    on = IndexConfig(chunk_target_tokens=24, chunk_overlap_tokens=4)
    # An incremental add onto an untagged generation tags every chunk, old and new.
    add_to_index([write_jsonl(tmp_path / "b.jsonl", [_story(5)])], index, on, embedder=embedder)
    assert _snapshot(index)["analyser"] is not None
    delete_from_index(["s0"], index, config=off, embedder=embedder)
    assert _snapshot(index)["analyser"] is None
