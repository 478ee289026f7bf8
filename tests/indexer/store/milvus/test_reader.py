"""The Milvus store answers as the FAISS store does, over the same articles and vectors.

Both indexes are built by the pipeline from the same file with the same model: the dense leg
(exact search in both) must agree to float precision, lookups exactly, and the keyword leg
(Milvus's BM25 function against FTS5's bm25) on what the articles say.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.protocols import IndexReader
from indexer.store.milvus.copy import copy_generation
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.reader import MilvusGeneration
from indexer.store.reader import Store, open_index
from indexer.types import SearchFilters
from tests.indexer.store.milvus.conftest import lite

pytestmark = pytest.mark.slow  # real model, real indexes

QUERIES = [
    "warehouse robots picking routes",
    "who invested in the speech chip startup",
    "translation model for many languages",
    "lake cooled data center",
]


@pytest.fixture
def milvus(milvus_small: MilvusLocation) -> MilvusGeneration:
    return milvus_small.open_for_serving(expected_model="all-MiniLM-L6-v2", expected_dimension=384)


@pytest.fixture
def faiss(small_index: Path) -> Store:
    return open_index(small_index)


def test_it_describes_the_same_index(milvus: MilvusGeneration, faiss: Store) -> None:
    assert isinstance(milvus, IndexReader)
    assert milvus.version == "gen-000001" and milvus.embedding_model == faiss.embedding_model
    assert (milvus.chunk_count, milvus.article_count) == (faiss.chunk_count, faiss.article_count)
    assert milvus.manifest.counts == faiss.manifest.counts
    assert milvus.manifest.sentence_analysis == faiss.manifest.sentence_analysis
    assert milvus.manifest.faiss_type == "milvus:FLAT"  # exact below 100,000 chunks
    assert milvus.sources() == faiss.sources()
    # GET /info's figures: articles per outlet with their newest and oldest dates.
    assert milvus.outlet_summaries() == faiss.outlet_summaries()
    assert any(s.newest_published_at for s in milvus.outlet_summaries())
    milvus.prepare_for_queries()
    milvus.prepare_for_queries()  # idempotent
    assert milvus.keyword_refs("Kestrel", 3)


def test_the_dense_leg_equals_exact_faiss_search(
    milvus: MilvusGeneration, faiss: Store, embedder: SentenceTransformerEmbedder
) -> None:
    for query in QUERIES:
        vector = embedder.embed_query(query)
        ours = milvus.dense_refs(vector, 8)
        theirs = faiss.dense_refs(vector, 8)
        assert [h.ref.id for h in ours] == [h.ref.id for h in theirs], query
        assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], abs=1e-5)
        assert ours[0].ref.published_at == theirs[0].ref.published_at


def test_filters_select_exactly_what_the_faiss_store_selects(
    milvus: MilvusGeneration, faiss: Store, embedder: SentenceTransformerEmbedder
) -> None:
    vector = embedder.embed_query("a new model")
    for filters in (
        SearchFilters(sources=("DAILY CHIP",)),  # outlets compare case-insensitively
        SearchFilters(published_after=date(2026, 2, 1)),
        SearchFilters(published_before=date(2026, 1, 31)),  # the undated article drops out
        SearchFilters(sources=("The Open Ledger",), published_after=date(2026, 1, 1)),
        SearchFilters(sources=("Nobody's Wire",)),
    ):
        ours = {h.ref.id for h in milvus.dense_refs(vector, 100, filters)}
        assert ours == {h.ref.id for h in faiss.dense_refs(vector, 100, filters)}, filters
        keyword = {h.ref.id for h in milvus.keyword_refs("model chips data", 100, filters)}
        assert keyword <= ours, filters  # the keyword leg filters inside Milvus too
    undated = milvus.dense_refs(vector, 100, SearchFilters(published_before=date(2030, 1, 1)))
    assert "glacier-datacenter" not in {h.ref.article_id for h in undated}


def test_the_keyword_leg_finds_what_fts5_finds(milvus: MilvusGeneration, faiss: Store) -> None:
    for query, article in (
        ("Harbor Ventures Quillon Capital", "brightwater-funding"),
        ("Kestrel warehouse robots", "orbital-kestrel"),
        ("Welsh Yoruba translation", "meridian-translation"),
        ("Beaker benchmark chemistry", "sable-benchmark"),
    ):
        ours = milvus.keyword_refs(query, 5)
        theirs = faiss.keyword_refs(query, 5)
        assert ours[0].ref.article_id == theirs[0].ref.article_id == article, query
        assert all(hit.score > 0 for hit in ours)
        assert [h.score for h in ours] == sorted((h.score for h in ours), reverse=True)
    assert milvus.keyword_refs("the of and", 5) == []  # nothing left after stopwords
    assert milvus.keyword_refs("xylophonic", 5) == []  # no chunk holds the word


def test_lookups_return_the_same_chunks_and_articles(
    milvus: MilvusGeneration, faiss: Store
) -> None:
    refs = [h.ref for h in faiss.dense_refs(faiss.vectors()[3], faiss.chunk_count)]
    ids = [r.id for r in refs]
    assert milvus.get_chunks(ids) == faiss.get_chunks(ids)
    assert [c.analysis for c in milvus.get_chunks(ids)] == [
        c.analysis for c in faiss.get_chunks(ids)
    ]
    milvus_refs = [h.ref for h in milvus.dense_refs(faiss.vectors()[3], milvus.chunk_count)]
    assert milvus.chunks_at(milvus_refs[::-1]) == faiss.chunks_at(refs[::-1])
    assert milvus.get_chunks(["no-such#0", ids[0]]) == faiss.get_chunks([ids[0]])
    for article_id in ("orbital-kestrel", "brightwater-funding-copy", "glacier-datacenter"):
        assert milvus.get_article(article_id) == faiss.get_article(article_id)
    assert milvus.get_article("nope") is None and milvus.canonical_id("nope") is None
    assert milvus.canonical_id("brightwater-funding-copy") == "brightwater-funding"
    assert milvus.canonical_id("brightwater-funding") == "brightwater-funding"
    for article_id in ("brightwater-funding", "brightwater-funding-copy", "sable-benchmark"):
        assert milvus.alternative_sources(article_id) == faiss.alternative_sources(article_id)
    assert [a.id for a in milvus.alternative_sources("brightwater-funding")] == [
        "brightwater-funding-copy"
    ]
    assert list(milvus.article_records()) == list(faiss.article_records())


def test_a_closed_generation_refuses_searches(milvus_small: MilvusLocation) -> None:
    index = milvus_small.open_for_serving()
    index.close()
    with pytest.raises(RuntimeError, match="closed"):
        index.keyword_refs("Kestrel", 3)


def test_a_faiss_generation_copied_into_milvus_is_the_same_index(
    small_index: Path, faiss: Store, tmp_path: Path
) -> None:
    milvus = lite(tmp_path)
    assert copy_generation(small_index, milvus) == "gen-000001"
    copied = milvus.open_for_serving()
    assert list(copied.article_records()) == list(faiss.article_records())
    assert copied.manifest.counts == faiss.manifest.counts
    assert copied.manifest.input_fingerprint == faiss.manifest.input_fingerprint
    assert copied.outlet_summaries() == faiss.outlet_summaries()
    ids = [h.ref.id for h in faiss.dense_refs(faiss.vectors()[0], faiss.chunk_count)]
    assert copied.get_chunks(ids) == faiss.get_chunks(ids)
    assert [c.analysis for c in copied.get_chunks(ids)] == [
        c.analysis for c in faiss.get_chunks(ids)
    ]
    for row in (0, 5, 9):
        query = faiss.vectors()[row]
        assert [h.ref.id for h in copied.dense_refs(query, 5)] == [
            h.ref.id for h in faiss.dense_refs(query, 5)
        ]
    milvus.close()
