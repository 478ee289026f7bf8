"""The opened generation: searches, filters, lookups, verification (real FAISS and SQLite)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import indexer.store.keyword
from indexer.config import IndexConfig
from indexer.errors import IndexCorruptError, IndexMismatchError, NoIndexError
from indexer.pipeline.run import build_index
from indexer.protocols import IndexReader
from indexer.store.generations import current_version
from indexer.store.keyword import keyword_match_expression
from indexer.store.reader import Store, open_index
from indexer.store.vectors import AUTO_APPROXIMATE_FROM, effective_faiss_type
from indexer.types import SearchFilters
from tests.conftest import dense_hits, keyword_hits
from tests.indexer.pipeline.test_crash_safety import HashEmbedder, write_corpus

pytestmark = pytest.mark.slow  # the small_index fixture embeds with the real model


@pytest.fixture
def store(small_index: Path) -> Store:
    return open_index(small_index, expected_model="all-MiniLM-L6-v2", expected_dimension=384)


def test_opened_index_describes_itself(store: Store) -> None:
    assert isinstance(store, IndexReader)
    assert store.version == current_version(store.directory.parent) == "gen-000001"
    assert store.embedding_model == "all-MiniLM-L6-v2" and store.dimension == 384
    assert store.article_count == 6  # seven read, one exact duplicate
    assert store.manifest.counts.duplicates_exact == 1
    assert store.chunk_count == store.manifest.counts.vectors >= 12  # a few chunks each
    assert store.manifest.chunking == {"target_tokens": 40, "overlap_tokens": 8}
    versions = store.manifest.versions
    assert {"faiss-cpu", "sentence-transformers", "torch", "numpy", "sqlite"} <= versions.keys()


def test_chunks_cite_exact_offsets_of_their_article(store: Store) -> None:
    positions = store._query("SELECT id FROM chunks ORDER BY position")
    chunks = store.get_chunks([row[0] for row in positions])
    assert len(chunks) == store.chunk_count
    for chunk in chunks:
        article = store.get_article(chunk.article_id)
        assert article is not None
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert (chunk.title, chunk.source, chunk.published_at) == (
            article.title,
            article.source,
            article.published_at,
        )


def test_keyword_search_ranks_the_article_that_holds_the_terms(store: Store) -> None:
    hits = keyword_hits(store, "Who led the funding round, Harbor Ventures?", 5)
    assert hits[0].chunk.article_id == "brightwater-funding"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # Porter stemming: "cooled" finds "cooling"/"cooled" in the lake data center story.
    assert keyword_hits(store, "lake cooling", 1)[0].chunk.article_id == "glacier-datacenter"


def test_title_terms_weigh_more_than_body_terms(store: Store) -> None:
    # "translation" is in Meridian's title and body; no other story mentions it.
    hits = keyword_hits(store, "translation", 10)
    assert {h.chunk.article_id for h in hits} == {"meridian-translation"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"unbalanced', None),
        ("AND OR NOT", None),  # operators to FTS5; stop words here
        ("NEAR(kestrel", "orbital-kestrel"),
        ("col:umn * ^ -", None),
        ("kestrel)", "orbital-kestrel"),
    ],
)
def test_keyword_search_takes_free_text_not_query_syntax(
    store: Store, query: str, expected: str | None
) -> None:
    # FTS5 would read these as its syntax and fail or change their meaning; here they are words.
    hits = keyword_hits(store, query, 3)
    assert (hits[0].chunk.article_id if hits else None) == expected
    expression = keyword_match_expression(query)
    terms = expression.split(" OR ") if expression else []
    assert all(term.startswith('"') and term.endswith('"') for term in terms)


def test_stopwords_only_query_matches_nothing(store: Store) -> None:
    assert keyword_match_expression("what is the") is None
    assert keyword_hits(store, "what is the", 5) == []
    assert keyword_match_expression('Kestrel "model"') == '"kestrel" OR "model"'


def test_keyword_filters_are_exact(store: Store) -> None:
    hits = keyword_hits(
        store, "company model chip data", 50, SearchFilters(sources=("daily chip",))
    )
    assert hits and {h.chunk.source for h in hits} == {"Daily Chip"}
    dated = SearchFilters(published_after=date(2026, 1, 1), published_before=date(2026, 2, 28))
    hits = keyword_hits(store, "company model chip data center", 50, dated)
    assert hits
    assert all(h.chunk.published_at and date(2026, 1, 1) <= h.chunk.published_at for h in hits)
    # Undated articles drop out only when a date filter is given.
    assert "glacier-datacenter" in {
        h.chunk.article_id for h in keyword_hits(store, "data center", 5)
    }
    assert "glacier-datacenter" not in {h.chunk.article_id for h in hits}


def test_dense_search_finds_a_chunk_from_its_own_vector(store: Store) -> None:
    vectors = store.vectors()
    for position in (0, len(vectors) - 1):
        hits = dense_hits(store, vectors[position], 3)
        own = store._chunks_by_position([position])[position]
        assert hits[0].chunk == own
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)
        assert hits[0].score >= hits[1].score >= hits[2].score


def test_dense_filters_select_exactly_every_match(store: Store) -> None:
    # A query vector from another source: post-filtering the top k would return nothing.
    query = store.vectors()[0]
    rows = store._query("SELECT count(*) FROM chunks WHERE source = 'The Open Ledger'")
    matching = rows[0][0]
    hits = dense_hits(store, query, 100, SearchFilters(sources=("The Open Ledger",)))
    assert len(hits) == matching > 0
    assert {h.chunk.source for h in hits} == {"The Open Ledger"}
    after = dense_hits(store, query, 100, SearchFilters(published_after=date(2026, 3, 1)))
    assert after and all(h.chunk.published_at and h.chunk.published_at >= date(2026, 3, 1)
                         for h in after)  # fmt: skip
    assert dense_hits(store, query, 5, SearchFilters(sources=("Nobody",))) == []


def test_lookups_and_duplicates(store: Store) -> None:
    assert store.canonical_id("brightwater-funding-copy") == "brightwater-funding"
    assert store.canonical_id("brightwater-funding") == "brightwater-funding"
    assert store.canonical_id("no-such-article") is None
    copies = store.alternative_sources("brightwater-funding")
    assert [a.id for a in copies] == ["brightwater-funding-copy"]
    assert copies[0].source == "Syndicate Post"
    assert [a.id for a in store.alternative_sources("brightwater-funding-copy")] == []
    # Outlets of indexed articles only: the copy's outlet holds no chunk.
    assert store.sources() == ["Daily Chip", "Example Wire", "The Open Ledger"]
    copy = store.get_article("brightwater-funding-copy")
    assert copy is not None and copy.published_at == date(2026, 2, 11)
    chunk_ids = ["sable-benchmark#1", "nope#0", "orbital-kestrel#0"]
    assert [c.id for c in store.get_chunks(chunk_ids)] == ["sable-benchmark#1", "orbital-kestrel#0"]


def test_concurrent_reads_agree_with_sequential_ones(store: Store) -> None:
    vectors = store.vectors()
    queries = ["Harbor Ventures", "open weights", "hiring tools review", "lake water"] * 5

    def work(i: int) -> tuple[list[str], list[str]]:
        dense = dense_hits(store, vectors[i % len(vectors)], 4)
        keyword = keyword_hits(store, queries[i], 4)
        return [h.chunk.id for h in dense], [h.chunk.id for h in keyword]

    expected = [work(i) for i in range(len(queries))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(work, range(len(queries)))) == expected


def test_another_model_or_dimension_is_refused_naming_both(small_index: Path) -> None:
    with pytest.raises(IndexMismatchError, match=r"all-MiniLM-L6-v2.*other-model"):
        open_index(small_index, expected_model="other-model")
    with pytest.raises(IndexMismatchError, match=r"dimension 384.*dimension 768"):
        open_index(small_index, expected_dimension=768)


def test_no_index_yet(tmp_path: Path) -> None:
    assert current_version(tmp_path) is None
    with pytest.raises(NoIndexError, match="no index"):
        open_index(tmp_path)


@pytest.mark.parametrize("name", ["store.sqlite", "vectors.npy"])
@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_file_fails_its_checksum_by_name(
    small_index: Path, tmp_path: Path, name: str, damage: str
) -> None:
    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    path = copy / "gen-000001" / name
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=name):
        open_index(copy)


def test_counts_that_disagree_are_refused(small_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    manifest_path = copy / "gen-000001" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["counts"]["chunks"] += 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="inconsistent counts"):
        open_index(copy)
    manifest_path.write_text("{not json")
    with pytest.raises(IndexCorruptError, match=r"manifest\.json"):
        open_index(copy)


def test_auto_searches_exactly_until_the_index_is_large() -> None:
    threshold = AUTO_APPROXIMATE_FROM
    assert effective_faiss_type("auto", 0) == "flat"
    assert effective_faiss_type("auto", threshold - 1) == "flat"
    assert effective_faiss_type("auto", threshold) == "hnsw_sq8"
    assert effective_faiss_type("hnsw_sq8", 0) == "flat"
    assert IndexConfig().faiss_index_type == "auto"
    expected = r"auto, flat, hnsw, hnsw_sq8, ivf\. Currently, it is 'pq'"
    with pytest.raises(ValueError, match=expected):
        IndexConfig(faiss_index_type="pq")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["hnsw", "hnsw_sq8", "ivf"])
def test_approximate_indexes_still_filter_exactly(tmp_path: Path, kind: str) -> None:
    paths = write_corpus(tmp_path / "corpus", articles=120)
    config = IndexConfig(chunk_target_tokens=48, chunk_overlap_tokens=8, faiss_index_type=kind)
    build_index(paths, tmp_path / kind, config, embedder=HashEmbedder(), progress=False)
    with open_index(tmp_path / kind) as store:
        assert store.manifest.faiss_type == kind
        vectors = store.vectors()
        assert len(vectors) >= 200
        filters = SearchFilters(sources=("Brightwater",), published_before=date(2026, 3, 31))
        allowed = store._filter.positions(filters)
        assert 0 < len(allowed) < len(vectors) // 5
        for position in (0, 7, 42):
            hits = dense_hits(store, vectors[position], 10, filters)
            exact = allowed[np.argsort(-(vectors[allowed] @ vectors[position]))][:10]
            assert len(hits) == min(10, len(allowed))
            assert all(h.chunk.source == "Brightwater" for h in hits)
            got = {h.chunk.id for h in hits}
            want = {c.id for c in store._chunks_by_position(list(map(int, exact))).values()}
            assert len(got & want) >= 8  # approximate, yet nearly the exact top 10
            unfiltered = dense_hits(store, vectors[position], 1)
            # 8-bit codes move a score by a few thousandths (here 32-d pseudo-embeddings).
            tolerance = 5e-3 if kind == "hnsw_sq8" else 1e-4
            assert unfiltered[0].score == pytest.approx(1.0, abs=tolerance)


@pytest.mark.parametrize("query", ["Kestrel warehouse robots", "model funding round", "Tallinn"])
def test_unfiltered_and_all_admitting_filters_rank_alike(store: Store, query: str) -> None:
    """The unfiltered query ranks inside FTS5 before joining; a filter takes the join path."""
    sources = sorted({c.source for c in store.get_chunks(_all_chunk_ids(store)) if c.source})
    plain = keyword_hits(store, query, 5)
    filtered = keyword_hits(store, query, 5, SearchFilters(sources=tuple(sources)))
    assert plain, f"nothing matched {query!r}"
    assert [(h.chunk.id, round(h.score, 9)) for h in plain] == [
        (h.chunk.id, round(h.score, 9)) for h in filtered
    ]


def _all_chunk_ids(store: Store) -> list[str]:
    return [chunk.id for chunks in store.chunks_by_article().values() for _, chunk in chunks]


def test_common_terms_are_left_out_of_unfiltered_keyword_queries(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        indexer.store.keyword, "MIN_CHUNKS_TO_PRUNE", 1
    )  # prune on this small index
    total = store.chunk_count
    common = [
        w
        for w in ("company", "model", "data", "chip")
        if store._keyword._chunks_holding(w) > 0.2 * total
    ]
    assert common, "the fixture should hold a word in more than a fifth of its chunks"
    rare = "kestrel"
    assert 0 < store._keyword._chunks_holding(rare) <= 0.2 * total
    with_common = keyword_hits(store, f"{rare} {common[0]}", 10)
    assert [h.chunk.id for h in with_common] == [h.chunk.id for h in keyword_hits(store, rare, 10)]
    # Only common words: all of them stay, so the query still finds something.
    assert keyword_hits(store, " ".join(common), 10)
    # Under a filter every term stays: the common word matches chunks the rare one does not.
    sources = sorted({c.source for c in store.get_chunks(_all_chunk_ids(store)) if c.source})
    filtered = keyword_hits(store, f"{rare} {common[0]}", 50, SearchFilters(sources=tuple(sources)))
    assert len(filtered) > len(with_common)


def test_term_counts_are_fts5_document_counts(store: Store) -> None:
    texts = [
        c.text.lower() + " " + (c.title or "").lower()
        for c in store.get_chunks(_all_chunk_ids(store))
    ]
    assert store._keyword._chunks_holding("kestrel") == sum("kestrel" in t for t in texts)
    assert store._keyword._chunks_holding("zzyzzx") == 0


def test_frequent_words_are_counted_at_load(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.warm_term_counts()
    assert not store._keyword._term_counts  # a small index is never pruned, so nothing to count
    monkeypatch.setattr(indexer.store.keyword, "MIN_CHUNKS_TO_PRUNE", 1)
    store.warm_term_counts(words=5)
    counted = dict(store._keyword._term_counts.items())
    assert len(counted) == 5
    assert all(count == store._keyword._chunks_holding(term) > 0 for term, count in counted.items())
