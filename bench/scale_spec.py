"""What `newsqa bench scale` measures of one index: its factory and its search knobs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexSpec:
    """One index to measure: a FAISS factory string (or Milvus Lite) and its search knobs."""

    name: str
    factory: str  # faiss.index_factory string; "milvus-lite:<INDEX_TYPE>" for Milvus Lite
    knob: str | None = None  # the search-time parameter swept: efSearch, nprobe, ef
    values: tuple[int, ...] = ()
    build: dict[str, int] = field(default_factory=dict)  # efConstruction, M, nlist ...
    max_size: int | None = None  # larger sizes are skipped (build time or memory, see README)
    max_queries: int | None = None  # fewer timed queries where each one is slow
