"""Seams between the indexer, the store and the service.

The service talks to an index only through `IndexReader`, so a distributed vector engine can be
added later behind the same methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from indexer.types import (
    Article,
    Chunk,
    ChunkRef,
    OutletSummary,
    ScoredRef,
    SearchFilters,
)

FloatMatrix = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (sentence-transformers' method names)."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_seq_length(self) -> int:
        """Longest input in model tokens, special tokens included; longer input is truncated."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens of each text, special tokens excluded."""
        ...

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """(n, dim) float32, L2-normalised."""
        ...

    def embed_query(self, text: str) -> FloatMatrix:
        """(dim,) float32, L2-normalised."""
        ...


@runtime_checkable
class IndexReader(Protocol):
    """One published, immutable generation of an index, opened for reading (thread-safe)."""

    @property
    def version(self) -> str:
        """The generation's name, e.g. "gen-000007"; every service response carries it."""
        ...

    @property
    def embedding_model(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def chunk_count(self) -> int: ...

    @property
    def article_count(self) -> int: ...

    def prepare_for_queries(self) -> None:
        """Load whatever makes queries fast, once; idempotent."""
        ...

    def dense_refs(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        """Top k chunks by inner product; filters are exact (not post-filtered away)."""
        ...

    def keyword_refs(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        """Top k chunks by bm25 (higher score is better); free text in, no query syntax."""
        ...

    def chunks_at(self, refs: Sequence[ChunkRef]) -> list[Chunk]:
        """The chunks referred to, in the order asked (analysis left out)."""
        ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are left out."""
        ...

    def get_article(self, article_id: str) -> Article | None:
        """An indexed article or a de-duplicated copy of one, by id."""
        ...

    def canonical_id(self, article_id: str) -> str | None:
        """The indexed article that stands for this id's story (itself if indexed), or None."""
        ...

    def alternative_sources(self, article_id: str) -> list[Article]:
        """Other copies of the same story (exact or near duplicates) that were not indexed."""
        ...

    def sources(self) -> list[str]:
        """The distinct outlet names of the indexed articles, sorted."""
        ...

    def outlet_summaries(self) -> list[OutletSummary]:
        """Indexed articles per outlet with their newest and oldest dates, sorted by name."""
        ...

    def close(self) -> None: ...
