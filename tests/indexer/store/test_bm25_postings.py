"""bm25 from postings held in memory: the same chunks and scores as FTS5's bm25()."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import indexer.store.keyword
from indexer.store.bm25_postings import Bm25Postings, FtsTokenizer, _aggregate
from indexer.store.keyword import keyword_match_expression
from indexer.store.reader import Store, open_index
from indexer.store.schema import FTS_TOKENIZE
from indexer.types import SearchFilters
from tests.conftest import keyword_hits

_TOKENIZE = "porter unicode61 remove_diacritics 2"
_ROWS = [
    ("Kestrel robots", "Orbital Labs built Kestrel for warehouse robots; robots pick routes."),
    ("Funding", "Brightwater raised money in a round led by Harbor Ventures. Café owners cheered."),
    (None, "The regulator nominated a director; the nomination was reviewed by nominees."),
    ("Lake cooling", "A data center cooled by lake water. The lake is cold and the data are big."),
    ("Empty", ""),
    ("Robots everywhere", "robots robots robots and more robots, said the robotics maker"),
]


def _fts_table(rows: list[tuple[str | None, str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(title, text, tokenize='{_TOKENIZE}')")
    db.executemany(
        "INSERT INTO docs(rowid, title, text) VALUES (?, ?, ?)",
        [(i, title, text) for i, (title, text) in enumerate(rows)],
    )
    return db


def _fts_ranking(db: sqlite3.Connection, words: list[str], k: int) -> list[tuple[int, float]]:
    expression = keyword_match_expression(words)
    rows = db.execute(
        "SELECT rowid, bm25(docs, 2.0, 1.0) AS rank FROM docs WHERE docs MATCH ? "
        "ORDER BY rank, rowid LIMIT ?",
        (expression, k),
    ).fetchall()
    return [(int(rowid), -float(rank)) for rowid, rank in rows]


@pytest.mark.parametrize(
    "words",
    [
        ["robots"],
        ["kestrel", "robots"],
        ["nominated", "nomination", "nominees"],  # three words, one stem: scored three times
        ["cafe"],  # diacritics removed on both sides
        ["lake", "data", "zzyzzx"],
        ["harbor", "ventures", "robots", "lake"],
    ],
)
def test_scores_equal_fts5_bm25(words: list[str]) -> None:
    db = _fts_table(_ROWS)
    postings = Bm25Postings.from_fts5(db, "docs", _TOKENIZE, (2.0, 1.0))
    tokens = postings.tokens(words)
    assert tokens is not None
    assert postings.search(tokens, 10) == _fts_ranking(db, words, 10)  # bit-for-bit


def test_search_limits_restricts_and_breaks_ties_by_position() -> None:
    rows = [("Twin", "alpha beta")] * 4 + [("Other", "gamma")]
    db = _fts_table(rows)
    postings = Bm25Postings.from_fts5(db, "docs", _TOKENIZE, (2.0, 1.0))
    assert [p for p, _ in postings.search(["alpha"], 2)] == [0, 1]  # equal scores
    assert [p for p, _ in postings.search(["alpha"], 10, np.array([3, 4, 2]))] == [2, 3]
    assert postings.search(["alpha"], 10, np.array([4])) == []
    assert postings.search(["delta"], 10) == []
    assert postings.search(["alpha"], 0) == []
    assert len(postings) == 5 and postings.document_frequency("alpha") == 4


def test_words_become_fts5_tokens_and_phrases_are_refused() -> None:
    tokenizer = FtsTokenizer(_TOKENIZE)
    assert tokenizer.tokens(["Nominated", "nomination", "Café", "2024"]) == [
        "nomin",
        "nomin",
        "cafe",
        "2024",
    ]
    assert tokenizer.tokens(["nominated"]) == ["nomin"]  # from the cache this time
    assert tokenizer.tokens(["harbor_ventures"]) is None  # FTS5 reads two tokens: a phrase
    assert tokenizer.tokens(["robots", "_"]) is None  # no token at all


def test_unusable_tables_are_refused() -> None:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(title, text, tokenize='{_TOKENIZE}')")
    db.execute("INSERT INTO docs(rowid, title, text) VALUES (5, 'a', 'b')")
    with pytest.raises(ValueError, match="rowids"):
        Bm25Postings.from_fts5(db, "docs", _TOKENIZE, (2.0, 1.0))
    with pytest.raises(ValueError, match="disagree"):
        _aggregate(np.array([0, 1]), np.ones(2), ["a"], np.array([3]), 2)
    with pytest.raises(ValueError, match="document order"):
        _aggregate(np.array([1, 0]), np.ones(2), ["a"], np.array([2]), 2)


def test_an_empty_table_finds_nothing() -> None:
    postings = Bm25Postings.from_fts5(_fts_table([]), "docs", _TOKENIZE, (2.0, 1.0))
    assert len(postings) == 0 and postings.search(["robots"], 5) == []


# --- over a real generation (the real model's small index)


@pytest.fixture
def stores(small_index: Path) -> tuple[Store, Store]:
    """The same generation opened twice: FTS5 answers the first, the postings the second."""
    plain = open_index(small_index)
    in_memory = open_index(small_index)
    assert in_memory.load_keyword_postings()
    return plain, in_memory


_QUERIES = [
    "Who led the funding round, Harbor Ventures?",
    "Kestrel warehouse robots",
    "model funding round chips",
    "Tallinn",
    "lake cooling data center",
    "translation languages Parley",
    "harbor_ventures",  # a phrase: FTS5 answers on both
    "what is the",  # stopwords only
]


@pytest.mark.slow
@pytest.mark.parametrize("query", _QUERIES)
@pytest.mark.parametrize(
    "filters",
    [
        None,
        SearchFilters(sources=("Daily Chip", "Example Wire")),
        SearchFilters(published_after=date(2026, 1, 1)),
        SearchFilters(sources=("No Such Outlet",)),
    ],
)
def test_a_generation_ranks_alike_from_fts5_and_from_memory(
    stores: tuple[Store, Store], query: str, filters: SearchFilters | None
) -> None:
    plain, in_memory = stores
    expected = [(h.chunk, h.score) for h in keyword_hits(plain, query, 7, filters)]
    assert [(h.chunk, h.score) for h in keyword_hits(in_memory, query, 7, filters)] == expected


@pytest.mark.slow
def test_common_words_are_pruned_alike(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        indexer.store.keyword, "MIN_CHUNKS_TO_PRUNE", 1
    )  # prune on this small index
    plain, in_memory = stores
    for query in ("kestrel company", "company model data", "lake company data"):
        expected = [(h.chunk.id, h.score) for h in keyword_hits(plain, query, 10)]
        assert [(h.chunk.id, h.score) for h in keyword_hits(in_memory, query, 10)] == expected


@pytest.mark.slow
def test_the_postings_answer_once_loaded(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, in_memory = stores
    postings = in_memory._keyword._postings
    assert postings is not None and len(postings) == in_memory.chunk_count
    calls: list[list[str]] = []
    search = postings.search

    def spy(tokens: list[str], k: int, allowed: object = None) -> list[tuple[int, float]]:
        calls.append(list(tokens))
        return search(tokens, k, allowed)  # type: ignore[arg-type]

    monkeypatch.setattr(postings, "search", spy)
    keyword_hits(in_memory, "Kestrel robots", 3)
    assert calls == [["kestrel", "robot"]]


@pytest.mark.slow
def test_fts5_answers_where_the_postings_cannot_be_read(
    small_index: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object, **kwargs: object) -> Bm25Postings:
        raise ValueError("fts5vocab's instance and row tables disagree")

    monkeypatch.setattr(Bm25Postings, "from_fts5", refuse)
    store = open_index(small_index)
    assert not store.load_keyword_postings()
    assert "FTS5 answers" in caplog.text
    assert keyword_hits(store, "Kestrel robots", 1)[0].chunk.article_id == "orbital-kestrel"


@pytest.mark.slow
def test_a_large_generation_keeps_its_postings_in_fts5(
    small_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_index(small_index)
    monkeypatch.setattr(
        indexer.store.keyword, "MAX_CHUNKS_FOR_MEMORY_POSTINGS", store.chunk_count - 1
    )
    assert not store.load_keyword_postings() and store._keyword._postings is None
    assert keyword_hits(store, "Kestrel robots", 1)[0].chunk.article_id == "orbital-kestrel"


def test_the_store_tokenizes_as_its_schema_says() -> None:
    assert FTS_TOKENIZE == _TOKENIZE  # the unit tests above use the store's own tokenizer
