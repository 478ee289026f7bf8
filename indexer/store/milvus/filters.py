"""Milvus boolean expressions for what newsqa asks: a generation's rows, outlets, dates, ids.

Values are written as JSON string literals (quotes and backslashes escaped), which Milvus's
expression parser reads as written; no caller text is ever pasted in unquoted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from indexer.store.chunk_filter import nocase
from indexer.store.milvus.schema import UNDATED
from indexer.types import SearchFilters


def quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def one_of(field: str, values: Iterable[str | int]) -> str:
    """`field in [...]`; strings quoted."""
    items = ", ".join(quote(v) if isinstance(v, str) else str(int(v)) for v in values)
    return f"{field} in [{items}]"


def visible(generation: int) -> str:
    """The rows generation `generation` holds: added at or before it, retired after it."""
    return f"(gen_from <= {generation} and gen_to > {generation})"


def search_filter(generation: int, filters: SearchFilters | None) -> str:
    """The generation's rows that pass `filters`, with the FAISS store's semantics: outlets
    compare ASCII-case-insensitively, dates inclusively, and undated rows fail any date bound."""
    clauses = [visible(generation)]
    if filters is not None:
        if filters.sources:
            clauses.append(one_of("source_key", sorted({nocase(s) for s in filters.sources})))
        if filters.published_after is not None:
            clauses.append(f"published_day >= {filters.published_after.toordinal()}")
        if filters.published_before is not None:
            clauses.append(
                f"published_day > {UNDATED} and "
                f"published_day <= {filters.published_before.toordinal()}"
            )
    return " and ".join(clauses)
