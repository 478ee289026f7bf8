"""The files of one generation, the SQL layout of its SQLite file, and rows <-> Article/Chunk.

SQLite holds the articles (duplicates too, with their canonical id, content hash and dedup
signature), the chunks (text, offsets, denormalised metadata; the row id is the chunk's vector
position) and the keyword index. The keyword index is SQLite FTS5 with bm25 rather than a
separate library such as bm25s because it lives in the same file as the chunk rows (one
checksum, one atomic publish) and is built incrementally by plain INSERTs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from indexer.hashing import text_sha256
from indexer.types import Article, Chunk, ChunkRef

SQLITE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.npy"
FAISS_NAME = "index.faiss"
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"

SCHEMA = f"""
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT, source TEXT, url TEXT, published_at TEXT, author TEXT,
    text TEXT NOT NULL, partial INTEGER NOT NULL, origin TEXT,
    content_hash TEXT NOT NULL,
    text_hash TEXT, signature BLOB,      -- dedup keys; NULL where not computed (duplicates)
    canonical_id TEXT,                   -- NULL for indexed articles
    dup_kind TEXT, similarity REAL       -- 'exact' or 'near' for duplicates
);
CREATE INDEX articles_canonical ON articles(canonical_id);
CREATE TABLE chunks (
    position INTEGER PRIMARY KEY,        -- the vector's position in FAISS
    id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    title TEXT, source TEXT, url TEXT, published_at TEXT,
    text_sha256 TEXT NOT NULL            -- key for reusing this chunk's vector
);
CREATE INDEX chunks_article ON chunks(article_id);
CREATE INDEX chunks_source ON chunks(source COLLATE NOCASE);
CREATE INDEX chunks_published ON chunks(published_at);
CREATE TABLE chunk_analysis (          -- indexer.text.analysis; one row per distinct chunk text
    text_sha256 TEXT PRIMARY KEY, analysis TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    title, text, content='chunks', content_rowid='position',
    tokenize='{FTS_TOKENIZE}'
);
"""

ARTICLE_INSERT = "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
CHUNK_INSERT = "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
ANALYSIS_INSERT = "INSERT OR REPLACE INTO chunk_analysis VALUES (?, ?)"

# The columns `chunk_from_row` reads, the stored sentence analysis last.
CHUNK_COLUMNS = (
    "c.id, c.article_id, c.ordinal, c.text, c.start_char, c.end_char, c.token_count, "
    "c.title, c.source, c.url, c.published_at, "
    "(SELECT a.analysis FROM chunk_analysis a WHERE a.text_sha256 = c.text_sha256)"
)
# Search legs leave the analysis out: of their ~50 candidates a reader reads a few, which it
# fetches again by id (`get_chunks`). Generations written before sentence analysis existed
# have no chunk_analysis table at all.
CHUNK_COLUMNS_WITHOUT_ANALYSIS = CHUNK_COLUMNS.rsplit(", (", 1)[0] + ", NULL"
ARTICLE_COLUMNS = "id, text, title, source, url, published_at, author, partial, origin"  # 9
# ARTICLE_COLUMNS and then the de-duplication columns: what `record_from_row` reads.
RECORD_COLUMNS = f"{ARTICLE_COLUMNS}, text_hash, signature, canonical_id, dup_kind, similarity"
REF_COLUMNS = "position, id, article_id, source, published_at"


@dataclass(frozen=True)
class ArticleRecord:
    """An article row: indexed (canonical_id None) or a duplicate of `canonical_id`."""

    article: Article
    canonical_id: str | None = None
    dup_kind: str | None = None
    similarity: float | None = None
    text_hash: str | None = None
    signature: bytes | None = None


def article_row(record: ArticleRecord) -> tuple[object, ...]:
    """The `articles` row of a record, in column order."""
    a = record.article
    return (
        a.id, a.title, a.source, a.url, _iso(a.published_at), a.author, a.text,
        int(a.partial), a.origin, a.content_hash, record.text_hash, record.signature,
        record.canonical_id, record.dup_kind, record.similarity,
    )  # fmt: skip


def chunk_row(position: int, c: Chunk) -> tuple[object, ...]:
    """The `chunks` row of a chunk at vector `position`, in column order."""
    return (
        position, c.id, c.article_id, c.ordinal, c.text, c.start, c.end, c.token_count,
        c.title, c.source, c.url, _iso(c.published_at), text_sha256(c.text),
    )  # fmt: skip


def chunk_from_row(row: Sequence[Any]) -> Chunk:
    """A chunk from the values of CHUNK_COLUMNS (or CHUNK_COLUMNS_WITHOUT_ANALYSIS)."""
    return Chunk(
        id=row[0], article_id=row[1], ordinal=row[2], text=row[3], start=row[4], end=row[5],
        token_count=row[6], title=row[7], source=row[8], url=row[9],
        published_at=parse_date(row[10]), analysis=row[11],
    )  # fmt: skip


def article_from_row(row: Sequence[Any]) -> Article:
    """An article from the values of ARTICLE_COLUMNS."""
    return Article(
        id=row[0], text=row[1], title=row[2], source=row[3], url=row[4],
        published_at=parse_date(row[5]), author=row[6], partial=bool(row[7]), origin=row[8],
    )  # fmt: skip


def record_from_row(row: Sequence[Any]) -> ArticleRecord:
    """An article record from the values of RECORD_COLUMNS."""
    return ArticleRecord(article_from_row(row[:9]), row[11], row[12], row[13], row[9], row[10])


def ref_from_row(row: Sequence[Any]) -> ChunkRef:
    """A chunk reference from the values of REF_COLUMNS."""
    return ChunkRef(row[0], row[1], row[2], row[3], parse_date(row[4]))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
