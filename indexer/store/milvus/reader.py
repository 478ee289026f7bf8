"""One published generation of a Milvus deployment, opened for reading (implements IndexReader).

The keyword leg is Milvus's own BM25 full-text search (a BM25 function over each chunk's title
and text, searched through its sparse inverted index), the dense leg its vector search by inner
product; both filter outlets and dates inside Milvus, exactly, before taking the top k, and both
return references that newsqa's fusion ranks as it ranks the FAISS store's. Every read is
limited to the rows of this generation (`filters.visible`), so a change being written, or
published meanwhile, does not show until the engine opens the next generation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from indexer.protocols import FloatMatrix
from indexer.store.keyword import keyword_terms
from indexer.store.manifest import Manifest, ManifestFacts
from indexer.store.milvus.catalog import Published
from indexer.store.milvus.filters import one_of, quote, search_filter, visible
from indexer.store.milvus.schema import (
    ARTICLE_FIELDS,
    CHUNK_FIELDS,
    REF_FIELDS,
    Names,
    chunk_from_row,
    record_from_rows,
    ref_from_row,
)
from indexer.store.schema import ArticleRecord
from indexer.types import Article, Chunk, ChunkRef, OutletSummary, ScoredRef, SearchFilters

PAGE = 2_000  # rows per read when scanning a collection by primary key
BATCH = 1_000  # values per `in [...]` list
_QUERY_LIMIT = 16_384


def vector_search_params(index_type: str, k: int) -> dict[str, Any]:
    """Search-time knobs for the vector index a generation was built with."""
    if index_type.startswith("HNSW"):
        # Milvus Lite's segments hold up to 100k rows, where ef 128 reached recall@10 .998
        # (`newsqa bench scale`, milvus_lite_hnsw); a server's larger segments may need more,
        # as FAISS's HNSW did at 1M (efSearch 512 there; not measured on a server).
        return {"ef": max(128, 2 * k)}
    if index_type.startswith("IVF"):
        return {"nprobe": 32}
    return {}


class MilvusGeneration(ManifestFacts):
    """An opened generation of a Milvus deployment; thread-safe (one shared MilvusClient)."""

    def __init__(self, client: Any, names: Names, published: Published) -> None:
        self._client = client
        self.names = names
        self.published = published
        self.manifest: Manifest = published.manifest
        self._generation = published.generation
        self._visible = visible(published.generation)
        self._vector_index = self.manifest.faiss_type.removeprefix("milvus:")
        self._closed = False

    def prepare_for_queries(self) -> None:
        """Makes sure Milvus holds both collections loaded (once per client); idempotent."""
        for collection in (self.names.chunks, self.names.articles):
            self._client.ensure_loaded(collection)

    # --- searching
    def dense_refs(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dimension:
            raise ValueError(f"query has dimension {query.shape[0]}, index has {self.dimension}")
        if k <= 0:
            return []
        hits = self._search(
            [query.tolist()],
            "vector",
            k,
            filters,
            {"metric_type": "IP", "params": vector_search_params(self._vector_index, k)},
        )
        return [ScoredRef(ref_from_row(entity), float(distance)) for entity, distance in hits]

    def keyword_refs(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        terms = keyword_terms(query)
        if not terms or k <= 0:
            return []
        hits = self._search(
            [" ".join(terms)], "keyword_sparse", k, filters, {"metric_type": "BM25"}
        )
        # Milvus Lite reports BM25 as a negative distance, a server as a positive score.
        return [ScoredRef(ref_from_row(entity), abs(float(distance))) for entity, distance in hits]

    def _search(
        self,
        data: list[Any],
        field: str,
        k: int,
        filters: SearchFilters | None,
        params: dict[str, Any],
    ) -> list[tuple[dict[str, Any], float]]:
        self._check_open()
        results = self._client.search(
            self.names.chunks,
            data=data,
            anns_field=field,
            limit=k,
            filter=search_filter(self._generation, filters),
            output_fields=list(REF_FIELDS),
            search_params=params,
        )
        return [(dict(hit["entity"]), float(hit["distance"])) for hit in results[0]]

    # --- lookups
    def chunks_at(self, refs: Sequence[ChunkRef]) -> list[Chunk]:
        # By primary key: the rows a reference came from, whatever was published since.
        rows = self._rows_by(
            self.names.chunks, "position", [ref.position for ref in refs], CHUNK_FIELDS, False
        )
        found = {int(row["position"]): chunk_from_row(row) for row in rows}
        return [found[ref.position] for ref in refs]

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        fields = (*CHUNK_FIELDS, "analysis")
        rows = self._rows_by(self.names.chunks, "chunk_id", list(dict.fromkeys(chunk_ids)), fields)
        found = {row["chunk_id"]: chunk_from_row(row) for row in rows}
        return [found[i] for i in chunk_ids if i in found]

    def get_article(self, article_id: str) -> Article | None:
        records = self._records(f"article_id == {quote(article_id)}")
        return records[0].article if records else None

    def canonical_id(self, article_id: str) -> str | None:
        rows = self._query(
            self.names.articles,
            f"article_id == {quote(article_id)} and part == 0 and {self._visible}",
            ["canonical_id"],
        )
        return (rows[0]["canonical_id"] or article_id) if rows else None

    def alternative_sources(self, article_id: str) -> list[Article]:
        canonical = self.canonical_id(article_id)
        if canonical is None:
            return []
        records = self._records(
            f"canonical_id == {quote(canonical)} and article_id != {quote(article_id)}"
        )
        return sorted((r.article for r in records), key=lambda a: a.id)

    def sources(self) -> list[str]:
        return list(self.published.sources)

    def outlet_summaries(self) -> list[OutletSummary]:
        return self.published.outlets()

    def close(self) -> None:
        """Searches after this raise RuntimeError; the client belongs to the location."""
        self._closed = True

    # --- what the pipeline reads of the live generation
    def article_records(self) -> Iterator[ArticleRecord]:
        """Every article record of this generation, in index order."""
        by_id: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, self.published.next_row, PAGE):
            for row in self._query(
                self.names.articles,
                f"row >= {start} and row < {start + PAGE} and {self._visible}",
                list(ARTICLE_FIELDS),
            ):
                by_id.setdefault(row["article_id"], []).append(row)
        ordered = sorted(by_id.values(), key=lambda rows: int(rows[0]["seq"]))
        for rows in ordered:
            yield record_from_rows(rows)

    def article_rows(self, article_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Keys (`row`, `article_id`, `seq`) of these articles' rows in this generation."""
        fields = ("row", "article_id", "seq")
        return self._rows_by(self.names.articles, "article_id", list(article_ids), fields)

    def chunk_positions(self, article_ids: Sequence[str]) -> list[int]:
        rows = self._rows_by(self.names.chunks, "article_id", list(article_ids), ("position",))
        return [int(row["position"]) for row in rows]

    def chunks_of(self, article_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """article id -> its chunks' rows (vector and analysis included), in ordinal order."""
        fields = (*CHUNK_FIELDS, "text_sha256", "analysis", "vector")
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self._rows_by(self.names.chunks, "article_id", list(article_ids), fields):
            out.setdefault(row["article_id"], []).append(row)
        for rows in out.values():
            rows.sort(key=lambda r: int(r["ordinal"]))
        return out

    def embedded_texts(self, digests: Sequence[str]) -> dict[str, tuple[list[float], str | None]]:
        """sha256 of a chunk text -> (its vector, its analysis), for the texts this holds."""
        out: dict[str, tuple[list[float], str | None]] = {}
        fields = ("text_sha256", "vector", "analysis")
        for row in self._rows_by(self.names.chunks, "text_sha256", list(set(digests)), fields):
            out.setdefault(row["text_sha256"], (list(row["vector"]), row.get("analysis")))
        return out

    # --- plumbing
    def _records(self, expression: str) -> list[ArticleRecord]:
        rows = self._query(self.names.articles, f"{expression} and {self._visible}", ARTICLE_FIELDS)
        by_id: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_id.setdefault(row["article_id"], []).append(row)
        return [record_from_rows(parts) for parts in by_id.values()]

    def _rows_by(
        self,
        collection: str,
        field: str,
        values: Sequence[Any],
        fields: Sequence[str],
        only_visible: bool = True,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), BATCH):
            expression = one_of(field, values[start : start + BATCH])
            if only_visible:
                expression = f"{expression} and {self._visible}"
            rows.extend(self._query(collection, expression, fields))
        return rows

    def _query(
        self, collection: str, expression: str, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        self._check_open()
        rows = self._client.query(
            collection, filter=expression, output_fields=list(fields), limit=_QUERY_LIMIT
        )
        return [dict(row) for row in rows]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"index generation {self.version} is closed")

    def __enter__(self) -> MilvusGeneration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
