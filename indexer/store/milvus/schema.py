"""The collections one newsqa deployment keeps in Milvus, and rows to and from them.

Per base (a full build) there are two collections, `{alias}_chunks_{base}` and
`{alias}_articles_{base}`; one `{alias}_generations` collection records every published
generation; the alias `{alias}` names the live base's chunk collection. Rows carry the
generations they belong to, [gen_from, gen_to): a generation G sees a row where
gen_from <= G < gen_to, which is how adds and deletes change a live base without a reader
ever seeing half of a change (`indexer.store.milvus.catalog`).

A chunk row holds what the FAISS store's SQLite row holds, plus its vector and a
`keyword_text` (title twice, then the text: bm25 weights the title double, as FTS5's column
weights do) from which Milvus's BM25 function makes the sparse vector it searches. Article
texts can exceed the 65,535 bytes a VARCHAR holds, so an article spans as many rows as it
needs (`part` of `parts`). Milvus requires a vector field in every collection: the articles and
generations collections carry a two-float `unused` one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from indexer.hashing import text_sha256
from indexer.store.chunk_filter import nocase
from indexer.store.schema import ArticleRecord
from indexer.types import Article, Chunk, ChunkRef

VARCHAR_BYTES = 65_535  # Milvus's largest VARCHAR
ID_BYTES = 2_048
META_BYTES = 8_192
OPEN = 2**62  # gen_to of a row no generation has retired yet
UNDATED = 0  # published_day of an undated row (date.toordinal() is >= 1)
UNUSED_VECTOR = [1.0, 0.0]
BM25_K1 = 1.2  # FTS5's bm25() constants, so the keyword leg scores as the FAISS store's does
BM25_B = 0.75
# The standard tokenizer and lower-casing is what Milvus Lite implements; a server also offers
# stemming (e.g. {"type": "english"}), which FTS5's porter tokenizer does for the FAISS store.
DEFAULT_ANALYZER: dict[str, Any] = {"tokenizer": "standard", "filter": ["lowercase"]}

CHUNK_FIELDS = (
    "position", "chunk_id", "article_id", "ordinal", "start_char", "end_char", "token_count",
    "text", "title", "source", "url", "published_day",
)  # fmt: skip
REF_FIELDS = ("position", "chunk_id", "article_id", "source", "published_day")
ARTICLE_FIELDS = (
    "row", "article_id", "seq", "part", "parts", "body", "title", "source", "url",
    "published_day", "author", "partial", "origin", "content_hash", "text_hash", "signature",
    "canonical_id", "dup_kind", "similarity",
)  # fmt: skip


@dataclass(frozen=True)
class Names:
    """The collection names of one base of a deployment."""

    alias: str
    base: str  # "b000007": the generation that built it

    @property
    def chunks(self) -> str:
        return f"{self.alias}_chunks_{self.base}"

    @property
    def articles(self) -> str:
        return f"{self.alias}_articles_{self.base}"


def generations_collection(alias: str) -> str:
    return f"{alias}_generations"


def base_name(generation: int) -> str:
    return f"b{generation:06d}"


def base_of(collection: str, alias: str) -> str | None:
    """The base a chunks collection belongs to, or None for a name that is not one."""
    prefix = f"{alias}_chunks_"
    return collection[len(prefix) :] if collection.startswith(prefix) else None


# --------------------------------------------------------------------------- schemas


def create_collection(client: Any, name: str, schema: Any, indexes: Any) -> None:
    """An empty, loaded collection with its indexes; reads see every acknowledged write."""
    client.create_collection(name, schema=schema, consistency_level="Strong")
    # sync=False: an empty collection has nothing to wait for (and Milvus Lite does not
    # implement the timestamp call that waiting starts with).
    client.create_index(name, indexes, sync=False)
    client.ensure_loaded(name)


def chunk_schema(client: Any, dimension: int, analyzer: dict[str, Any]) -> Any:
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("position", DataType.INT64, is_primary=True)
    schema.add_field("chunk_id", DataType.VARCHAR, max_length=ID_BYTES)
    schema.add_field("article_id", DataType.VARCHAR, max_length=ID_BYTES)
    schema.add_field("ordinal", DataType.INT32)
    schema.add_field("start_char", DataType.INT64)
    schema.add_field("end_char", DataType.INT64)
    schema.add_field("token_count", DataType.INT32)
    schema.add_field("text", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    schema.add_field("title", DataType.VARCHAR, max_length=META_BYTES, nullable=True)
    schema.add_field("source", DataType.VARCHAR, max_length=ID_BYTES, nullable=True)
    schema.add_field("source_key", DataType.VARCHAR, max_length=ID_BYTES)  # "" where none
    schema.add_field("url", DataType.VARCHAR, max_length=META_BYTES, nullable=True)
    schema.add_field("published_day", DataType.INT32)
    schema.add_field("text_sha256", DataType.VARCHAR, max_length=64)
    schema.add_field("analysis", DataType.VARCHAR, max_length=VARCHAR_BYTES, nullable=True)
    schema.add_field(
        "keyword_text",
        DataType.VARCHAR,
        max_length=VARCHAR_BYTES,
        enable_analyzer=True,
        analyzer_params=analyzer,
    )
    schema.add_field("keyword_sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("gen_from", DataType.INT64)
    schema.add_field("gen_to", DataType.INT64)
    schema.add_function(
        Function(
            name="keyword_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["keyword_text"],
            output_field_names=["keyword_sparse"],
        )
    )
    return schema


def chunk_indexes(client: Any, vector_index: str, vector_params: dict[str, Any]) -> Any:
    params = client.prepare_index_params()
    params.add_index(
        field_name="vector", index_type=vector_index, metric_type="IP", params=vector_params
    )
    params.add_index(
        field_name="keyword_sparse",
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
    )
    for field in ("chunk_id", "article_id", "source_key", "published_day", "text_sha256"):
        params.add_index(field_name=field, index_type="INVERTED")
    for field in ("gen_from", "gen_to"):
        params.add_index(field_name=field, index_type="INVERTED")
    return params


def article_schema(client: Any) -> Any:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("article_id", DataType.VARCHAR, max_length=ID_BYTES)
    schema.add_field("seq", DataType.INT64)  # the article's place in the index's order
    schema.add_field("part", DataType.INT32)
    schema.add_field("parts", DataType.INT32)
    schema.add_field("body", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    for name, size in (("title", META_BYTES), ("source", ID_BYTES), ("url", META_BYTES)):
        schema.add_field(name, DataType.VARCHAR, max_length=size, nullable=True)
    schema.add_field("published_day", DataType.INT32)
    schema.add_field("author", DataType.VARCHAR, max_length=META_BYTES, nullable=True)
    schema.add_field("partial", DataType.BOOL)
    schema.add_field("origin", DataType.VARCHAR, max_length=META_BYTES, nullable=True)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("text_hash", DataType.VARCHAR, max_length=64, nullable=True)
    schema.add_field("signature", DataType.VARCHAR, max_length=META_BYTES, nullable=True)
    schema.add_field("canonical_id", DataType.VARCHAR, max_length=ID_BYTES)  # "" = indexed
    schema.add_field("dup_kind", DataType.VARCHAR, max_length=16, nullable=True)
    schema.add_field("similarity", DataType.DOUBLE, nullable=True)
    schema.add_field("gen_from", DataType.INT64)
    schema.add_field("gen_to", DataType.INT64)
    schema.add_field("unused", DataType.FLOAT_VECTOR, dim=len(UNUSED_VECTOR))
    return schema


def article_indexes(client: Any) -> Any:
    params = client.prepare_index_params()
    params.add_index(field_name="unused", index_type="FLAT", metric_type="IP")
    for field in ("article_id", "canonical_id", "gen_from", "gen_to"):
        params.add_index(field_name=field, index_type="INVERTED")
    return params


def generation_schema(client: Any) -> Any:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.INT64, is_primary=True)  # generation * 1000 + part
    schema.add_field("generation", DataType.INT64)
    schema.add_field("base", DataType.VARCHAR, max_length=64)
    schema.add_field("part", DataType.INT32)
    schema.add_field("parts", DataType.INT32)
    schema.add_field("document", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    schema.add_field("published_at", DataType.DOUBLE)  # unix time
    schema.add_field("unused", DataType.FLOAT_VECTOR, dim=len(UNUSED_VECTOR))
    return schema


def generation_indexes(client: Any) -> Any:
    params = client.prepare_index_params()
    params.add_index(field_name="unused", index_type="FLAT", metric_type="IP")
    return params


# --------------------------------------------------------------------------- rows


def day(value: date | None) -> int:
    return value.toordinal() if value is not None else UNDATED


def from_day(value: int | None) -> date | None:
    return date.fromordinal(value) if value else None


def split_utf8(text: str, limit: int = VARCHAR_BYTES) -> list[str]:
    """`text` in pieces of at most `limit` UTF-8 bytes, never splitting a character."""
    data = text.encode("utf-8")
    pieces: list[str] = []
    start = 0
    while start < len(data):
        stop = min(len(data), start + limit)
        while stop < len(data) and (data[stop] & 0xC0) == 0x80:  # a continuation byte
            stop -= 1
        pieces.append(data[start:stop].decode("utf-8"))
        start = stop
    return pieces or [""]


def keyword_text(chunk: Chunk) -> str:
    """What BM25 reads of a chunk: the title twice (weight 2, as FTS5's), then the text."""
    text = f"{chunk.title}\n{chunk.title}\n{chunk.text}" if chunk.title else chunk.text
    if len(text.encode("utf-8")) > VARCHAR_BYTES:
        raise ValueError(f"chunk {chunk.id} is over {VARCHAR_BYTES} bytes with its title")
    return text


def chunk_row(
    position: int,
    chunk: Chunk,
    vector: list[float],
    analysis: str | None,
    generation: int,
) -> dict[str, Any]:
    return {
        "position": position,
        "chunk_id": chunk.id,
        "article_id": chunk.article_id,
        "ordinal": chunk.ordinal,
        "start_char": chunk.start,
        "end_char": chunk.end,
        "token_count": chunk.token_count,
        "text": chunk.text,
        "title": chunk.title,
        "source": chunk.source,
        "source_key": nocase(chunk.source) if chunk.source else "",
        "url": chunk.url,
        "published_day": day(chunk.published_at),
        "text_sha256": text_sha256(chunk.text),
        "analysis": analysis,
        "keyword_text": keyword_text(chunk),
        "vector": vector,
        "gen_from": generation,
        "gen_to": OPEN,
    }


def chunk_from_row(row: dict[str, Any]) -> Chunk:
    return Chunk(
        id=row["chunk_id"],
        article_id=row["article_id"],
        ordinal=int(row["ordinal"]),
        text=row["text"],
        start=int(row["start_char"]),
        end=int(row["end_char"]),
        token_count=int(row["token_count"]),
        title=row.get("title"),
        source=row.get("source"),
        url=row.get("url"),
        published_at=from_day(row.get("published_day")),
        analysis=row.get("analysis"),
    )


def ref_from_row(row: dict[str, Any]) -> ChunkRef:
    return ChunkRef(
        int(row["position"]),
        row["chunk_id"],
        row["article_id"],
        row.get("source"),
        from_day(row.get("published_day")),
    )


def article_rows(
    record: ArticleRecord, first_row: int, seq: int, generation: int
) -> list[dict[str, Any]]:
    """The rows of one article record (one per text part), numbered from `first_row`."""
    a = record.article
    parts = split_utf8(a.text)
    shared = {
        "article_id": a.id,
        "seq": seq,
        "parts": len(parts),
        "title": a.title,
        "source": a.source,
        "url": a.url,
        "published_day": day(a.published_at),
        "author": a.author,
        "partial": a.partial,
        "origin": a.origin,
        "content_hash": a.content_hash,
        "text_hash": record.text_hash,
        "signature": base64.b64encode(record.signature).decode("ascii")
        if record.signature is not None
        else None,
        "canonical_id": record.canonical_id or "",
        "dup_kind": record.dup_kind,
        "similarity": record.similarity,
        "gen_from": generation,
        "gen_to": OPEN,
        "unused": UNUSED_VECTOR,
    }
    return [
        {"row": first_row + i, "part": i, "body": body, **shared} for i, body in enumerate(parts)
    ]


def record_from_rows(rows: list[dict[str, Any]]) -> ArticleRecord:
    """An article record from all of its part rows (any order)."""
    rows = sorted(rows, key=lambda r: int(r["part"]))
    head = rows[0]
    if len(rows) != int(head["parts"]):
        raise ValueError(f"article {head['article_id']}: {len(rows)} of {head['parts']} parts")
    article = Article(
        id=head["article_id"],
        text="".join(r["body"] for r in rows),
        title=head.get("title"),
        source=head.get("source"),
        url=head.get("url"),
        published_at=from_day(head.get("published_day")),
        author=head.get("author"),
        partial=bool(head["partial"]),
        origin=head.get("origin"),
    )
    signature = head.get("signature")
    return ArticleRecord(
        article,
        canonical_id=head["canonical_id"] or None,
        dup_kind=head.get("dup_kind"),
        similarity=head.get("similarity"),
        text_hash=head.get("text_hash"),
        signature=base64.b64decode(signature) if signature is not None else None,
    )


def generation_rows(
    generation: int, base: str, document: dict[str, Any], published_at: float
) -> list[dict[str, Any]]:
    parts = split_utf8(json.dumps(document, sort_keys=True))
    if len(parts) >= 1000:
        raise ValueError(f"generation {generation}: its document needs {len(parts)} parts")
    return [
        {
            "key": generation * 1000 + i,
            "generation": generation,
            "base": base,
            "part": i,
            "parts": len(parts),
            "document": text,
            "published_at": published_at,
            "unused": UNUSED_VECTOR,
        }
        for i, text in enumerate(parts)
    ]


def document_from_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: int(r["part"]))
    if not rows or len(rows) != int(rows[0]["parts"]):
        raise ValueError("a generation's document is incomplete")
    loaded: dict[str, Any] = json.loads("".join(r["document"] for r in rows))
    return loaded
