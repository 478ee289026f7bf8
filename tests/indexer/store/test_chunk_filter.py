"""Filters over the chunks' outlets and dates held in memory: the SQL filter's semantics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from indexer.store.chunk_filter import ChunkFilter, nocase
from indexer.store.keyword import _filter_sql
from indexer.store.reader import open_index
from indexer.types import ChunkRef, SearchFilters

_REFS = [
    ChunkRef(0, "a#0", "a", "Daily Chip", date(2026, 2, 10)),
    ChunkRef(1, "a#1", "a", "Daily Chip", date(2026, 2, 10)),
    ChunkRef(2, "b#0", "b", "Example Wire", date(2026, 1, 5)),
    ChunkRef(3, "c#0", "c", None, date(2025, 11, 20)),
    ChunkRef(4, "d#0", "d", "Daily Chip", None),
    ChunkRef(5, "e#0", "e", "Écho Tech", date(2026, 3, 2)),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(), [0, 1, 2, 3, 4, 5]),
        (SearchFilters(sources=("daily CHIP",)), [0, 1, 4]),  # any ASCII case
        (SearchFilters(sources=("Daily Chip", "Example Wire")), [0, 1, 2, 4]),
        (SearchFilters(sources=("écho tech",)), []),  # NOCASE folds ASCII only, as SQLite does
        (SearchFilters(sources=("Écho TECH",)), [5]),
        (SearchFilters(sources=("Nobody",)), []),
        (SearchFilters(published_after=date(2026, 1, 5)), [0, 1, 2, 5]),  # inclusive; undated out
        (SearchFilters(published_before=date(2026, 1, 5)), [2, 3]),
        (
            SearchFilters(
                sources=("Daily Chip",),
                published_after=date(2026, 2, 10),
                published_before=date(2026, 2, 10),
            ),
            [0, 1],
        ),
        (SearchFilters(published_after=date(2027, 1, 1)), []),
    ],
)
def test_filters_select_as_the_sql_does(filters: SearchFilters, expected: list[int]) -> None:
    chunk_filter = ChunkFilter(_REFS)
    assert chunk_filter.positions(filters).tolist() == expected
    assert chunk_filter.mask(filters).sum() == len(expected)


def test_nocase_folds_ascii_letters_only() -> None:
    assert nocase("The VERGE") == "the verge"
    assert nocase("ÉCHO") == "Écho"  # É stays as it is


def test_an_empty_collection_admits_nothing() -> None:
    assert ChunkFilter([]).positions(SearchFilters(sources=("x",))).tolist() == []


@pytest.mark.slow
def test_a_generation_filters_alike_in_memory_and_in_sqlite(small_index: Path) -> None:
    store = open_index(small_index)
    cases = [
        SearchFilters(sources=("daily chip", "The Open Ledger")),
        SearchFilters(published_after=date(2026, 1, 1)),
        SearchFilters(published_before=date(2026, 2, 10)),
        SearchFilters(sources=("Example Wire",), published_before=date(2026, 3, 1)),
        SearchFilters(sources=("nobody",)),
    ]
    for filters in cases:
        where, params = _filter_sql(filters)
        rows = store._query(f"SELECT c.position FROM chunks c WHERE {where}", params)
        from_sql = np.array(sorted(row[0] for row in rows), dtype=np.int64)
        assert np.array_equal(store._filter.positions(filters), from_sql), filters
        assert len(from_sql) or filters.sources == ("nobody",)
