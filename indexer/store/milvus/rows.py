"""The two ways a generation reaches Milvus: a new base, or a delta stamped into the live one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.store.milvus.catalog import Catalog, full_rows
from indexer.store.milvus.filters import one_of, visible
from indexer.store.milvus.reader import MilvusGeneration
from indexer.store.milvus.schema import (
    DEFAULT_ANALYZER,
    Names,
    article_indexes,
    article_rows,
    article_schema,
    chunk_indexes,
    chunk_row,
    chunk_schema,
    create_collection,
)
from indexer.store.schema import ArticleRecord
from indexer.types import Chunk

INSERT_BYTES = 8 * 2**20  # per insert request, well under gRPC's message limits
RETIRE_BATCH = 200  # articles whose rows are read back and re-stamped per request


@dataclass
class NextRows:
    """The chunks the next generation writes, each with its vector and analysis."""

    chunks: list[Chunk] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    analyses: list[str | None] = field(default_factory=list)
    fresh: set[str] = field(default_factory=set)  # sha256 of the texts embedded now
    tagged: int = 0  # distinct texts tagged now

    @property
    def embedded(self) -> int:
        return len(self.fresh)


@dataclass(frozen=True)
class CollectionSettings:
    """How a base's collections are built (vector index, BM25 analyzer) and changed."""

    index_type: str = "auto"  # or a Milvus index type: FLAT, HNSW, HNSW_SQ, IVF_FLAT, ...
    hnsw_from: int = 100_000  # "auto": exact (FLAT) below this many chunks, HNSW from there
    analyzer: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ANALYZER))
    # How an add or delete is written: "delta" stamps the change into the live base, "rebuild"
    # writes a new base (unchanged rows copied, nothing re-embedded). "auto" is delta on a
    # Milvus server and rebuild on Milvus Lite, whose bm25 statistics are per segment: an
    # add's own small segment scores its chunks ~20x lower than one build would (a test pins
    # this), where a server aggregates the statistics of a shard's segments.
    changes: str = "auto"

    def __post_init__(self) -> None:
        if self.changes not in ("auto", "delta", "rebuild"):
            raise ValueError(f"changes must be auto, delta or rebuild, not {self.changes!r}")

    def writes_deltas(self, server_version: str) -> bool:
        if self.changes == "auto":
            return not server_version.startswith("milvus_lite")
        return self.changes == "delta"

    def vector_index(self, chunks: int) -> tuple[str, dict[str, Any]]:
        kind = self.index_type
        if kind == "auto":
            kind = "HNSW" if chunks >= self.hnsw_from else "FLAT"
        if kind.startswith("HNSW"):
            return kind, {"M": 32, "efConstruction": 200}  # as the FAISS store's HNSW
        if kind.startswith("IVF"):
            return kind, {"nlist": max(1, min(4096, int(4 * np.sqrt(max(chunks, 1)))))}
        return kind, {}


@dataclass(frozen=True)
class Wrote:
    """What a write left: the vector index, the chunk count and the next free keys."""

    kind: str  # "milvus:<index type>", recorded as the manifest's faiss_type
    chunks: int
    next_position: int
    next_row: int
    next_seq: int


def write_base(
    catalog: Catalog,
    settings: CollectionSettings,
    base: str,
    records: dict[str, ArticleRecord],
    rows: NextRows,
    dimension: int,
    generation: int,
) -> Wrote:
    """Every row into fresh collections for `base`, flushed; not live until the alias moves."""
    client = catalog.client
    names = Names(catalog.alias, base)
    kind, params = settings.vector_index(len(rows.chunks))
    for collection in (names.chunks, names.articles):
        if client.has_collection(collection):  # a killed writer's, never made live
            client.drop_collection(collection)
    create_collection(
        client,
        names.chunks,
        chunk_schema(client, dimension, settings.analyzer),
        chunk_indexes(client, kind, params),
    )
    create_collection(client, names.articles, article_schema(client), article_indexes(client))
    _insert(client, names.chunks, _chunk_rows(rows, 0, generation))
    counter = _Counter()
    _insert(client, names.articles, _article_rows(records, {}, counter, generation))
    # Sealed segments with built indexes before the alias points here (Lite: one segment's
    # BM25 statistics for the whole build rather than per memtable flush).
    client.flush(names.chunks)
    client.flush(names.articles)
    count = len(rows.chunks)
    return Wrote(f"milvus:{kind}", count, count, counter.rows, counter.seq)


def write_delta(
    catalog: Catalog,
    previous: MilvusGeneration,
    prior: dict[str, ArticleRecord],
    records: dict[str, ArticleRecord],
    kept: set[str],
    rows: NextRows,
    generation: int,
) -> Wrote:
    """The change into the live base: new rows stamped `generation`, replaced rows retired at it.

    Nothing here is visible to readers of the live generation; recording the generation
    (the caller's next step) publishes all of it at once.
    """
    client = catalog.client
    names = previous.names
    live = previous.published
    _insert(client, names.chunks, _chunk_rows(rows, live.next_position, generation))
    replaced = [i for i, record in records.items() if i in prior and prior[i] != record]
    seqs = {row["article_id"]: int(row["seq"]) for row in previous.article_rows(replaced)}
    changed = {i: r for i, r in records.items() if i not in prior or prior[i] != r}
    counter = _Counter(live.next_row, live.next_seq)
    _insert(client, names.articles, _article_rows(changed, seqs, counter, generation))
    stale_chunks = [i for i, old in prior.items() if old.canonical_id is None and i not in kept]
    retired = _retire(client, names.chunks, stale_chunks, live.generation, generation)
    gone = [i for i in prior if i not in records]
    _retire(client, names.articles, [*gone, *replaced], live.generation, generation)
    return Wrote(
        kind=previous.manifest.faiss_type,
        chunks=previous.chunk_count - retired + len(rows.chunks),
        next_position=live.next_position + len(rows.chunks),
        next_row=counter.rows,
        next_seq=counter.seq,
    )


@dataclass
class _Counter:
    """The next free article row key and place in the index order, advanced as rows are made."""

    rows: int = 0
    seq: int = 0


def _chunk_rows(rows: NextRows, first: int, generation: int) -> Iterator[dict[str, Any]]:
    for i, (chunk, vector, analysis) in enumerate(
        zip(rows.chunks, rows.vectors, rows.analyses, strict=True)
    ):
        yield chunk_row(first + i, chunk, vector, analysis, generation)


def _article_rows(
    records: dict[str, ArticleRecord], seqs: dict[str, int], counter: _Counter, generation: int
) -> Iterator[dict[str, Any]]:
    """Rows of `records`; an article keeps its place in `seqs`, others go to the end."""
    for article_id, record in records.items():
        seq = seqs.get(article_id)
        if seq is None:
            seq, counter.seq = counter.seq, counter.seq + 1
        produced = article_rows(record, counter.rows, seq, generation)
        counter.rows += len(produced)
        yield from produced


def _insert(client: Any, collection: str, rows: Iterable[dict[str, Any]]) -> None:
    """Inserts in requests of about INSERT_BYTES each."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += _row_bytes(row)
        if size >= INSERT_BYTES:
            client.insert(collection, batch)
            batch, size = [], 0
    if batch:
        client.insert(collection, batch)


def _row_bytes(row: dict[str, Any]) -> int:
    size = 64
    for value in row.values():
        if isinstance(value, str):
            size += len(value)
        elif isinstance(value, list):
            size += 4 * len(value)
        else:
            size += 8
    return size


def _retire(
    client: Any, collection: str, article_ids: Sequence[str], live: int, generation: int
) -> int:
    """Stamps gen_to = `generation` on these articles' rows in the live generation."""
    count = 0
    for start in range(0, len(article_ids), RETIRE_BATCH):
        batch = list(article_ids[start : start + RETIRE_BATCH])
        found = full_rows(client, collection, f"{one_of('article_id', batch)} and {visible(live)}")
        for row in found:
            row["gen_to"] = generation
        if found:
            client.upsert(collection, found)
        count += len(found)
    return count
