"""A question that names a rare name and little else finds the one article naming it: a real
index of invented articles, the real model, keyword and dense legs."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("Who is Pieter Vanhal?", "norland-hiring-review"),
        ("What is the Aldous Foundation?", "meridian-translation"),
    ],
)
def test_a_rare_name_alone_finds_the_article_that_names_it(
    small_index: Path, embedder: SentenceTransformerEmbedder, question: str, article: str
) -> None:
    engine = QAEngine(Settings(index_dir=small_index), embedder=embedder)
    engine.warm_up()
    keyword = engine.search(question, top_k=10, mode="keyword").results
    # The keyword leg holds the name's one article, and nothing else matches its words.
    assert [hit.article_id for hit in keyword] == [article]
    assert engine.search(question, top_k=1).results[0].article_id == article
