"""Rows to and from Milvus, and the expressions newsqa sends: no server needed."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.store.milvus.filters import one_of, quote, search_filter
from indexer.store.milvus.schema import (
    VARCHAR_BYTES,
    article_rows,
    chunk_from_row,
    chunk_row,
    record_from_rows,
    split_utf8,
)
from indexer.store.schema import ArticleRecord
from indexer.types import Article, Chunk, SearchFilters


def test_long_texts_split_on_character_boundaries_within_the_varchar_limit() -> None:
    text = ("é" * 40_000) + ("a" * 30_000) + ("漢" * 25_000)  # 80k + 30k + 75k bytes
    parts = split_utf8(text)
    assert "".join(parts) == text
    assert all(len(p.encode("utf-8")) <= VARCHAR_BYTES for p in parts)
    assert len(parts) == 3
    assert split_utf8("") == [""]


def test_an_article_over_the_limit_round_trips_through_its_part_rows() -> None:
    article = Article(
        id="long-one",
        text="Paragraph one.\n\n" + "word " * 30_000,
        title="A long one",
        source="Example Wire",
        published_at=date(2026, 1, 2),
        partial=True,
        origin="feed.xml:3",
    )
    record = ArticleRecord(article, text_hash="ab" * 32, signature=b"\x00\x01\xff" * 100)
    rows = article_rows(record, first_row=10, seq=4, generation=7)
    assert [r["row"] for r in rows] == [10, 11, 12]
    assert {r["gen_from"] for r in rows} == {7} and {r["canonical_id"] for r in rows} == {""}
    assert record_from_rows(list(reversed(rows))) == record
    with pytest.raises(ValueError, match="2 of 3 parts"):
        record_from_rows(rows[:2])


def test_a_duplicate_record_keeps_its_canonical_and_similarity() -> None:
    article = Article(id="copy", text="Same text.", source=None, published_at=None)
    record = ArticleRecord(article, canonical_id="original", dup_kind="near", similarity=0.91)
    assert record_from_rows(article_rows(record, 0, 0, 1)) == record


def test_a_chunk_round_trips_and_its_keyword_text_weights_the_title() -> None:
    chunk = Chunk(
        id="a#0", article_id="a", ordinal=0, text="Body text.", start=5, end=15, token_count=3,
        title="Title", source="Daily Chip", url=None, published_at=date(2025, 12, 31),
    )  # fmt: skip
    row = chunk_row(9, chunk, [0.0] * 4, '{"x": 1}', generation=2)
    assert row["keyword_text"] == "Title\nTitle\nBody text."
    assert (
        row["source_key"] == "daily chip" and row["published_day"] == date(2025, 12, 31).toordinal()
    )
    back = chunk_from_row(row)
    assert back == chunk and back.analysis == '{"x": 1}'


def test_values_are_quoted_as_json_never_pasted() -> None:
    assert quote('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert one_of("article_id", ["x", 'y"']) == 'article_id in ["x", "y\\""]'
    assert one_of("position", [3, 4]) == "position in [3, 4]"


def test_filters_read_as_the_faiss_store_reads_them() -> None:
    after, before = date(2026, 1, 1), date(2026, 2, 1)
    expression = search_filter(
        5, SearchFilters(sources=("Daily Chip", "daily chip"), published_after=after,
                         published_before=before)
    )  # fmt: skip
    assert expression == (
        '(gen_from <= 5 and gen_to > 5) and source_key in ["daily chip"] and '
        f"published_day >= {after.toordinal()} and published_day > 0 and "
        f"published_day <= {before.toordinal()}"
    )
    assert search_filter(5, None) == "(gen_from <= 5 and gen_to > 5)"
