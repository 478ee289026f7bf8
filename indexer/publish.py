"""Write the next generation from the planned article records and make it live.

Work is reused from the live generation: articles whose content hash is unchanged keep their
chunks and vectors, and any chunk whose text is already embedded keeps its vector, so only new
text meets the model; likewise only new chunk texts are tagged (`indexer.analysis`). An
incremental write (add, delete) copies the live generation and applies
only the delta (`indexer.store_delta`); a full write (build) writes every row afresh, so the
index holds exactly the inputs in their order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer.analysis import encode, load_analyzer
from indexer.chunking import Chunker, OffsetTokenizer
from indexer.config import IndexConfig
from indexer.generations import next_generation, publish, staging_dir
from indexer.manifest import MANIFEST_NAME, Counts, Manifest, sha256_file
from indexer.progress import ProgressBar
from indexer.protocols import Embedder, FloatMatrix
from indexer.store import ArticleRecord, Store, StoreWriter, text_sha256
from indexer.store_delta import DeltaWriter
from indexer.timing import Stopwatch
from indexer.types import Article, Chunk

ANALYSIS_BATCH_CHUNKS = 64  # chunk texts tagged per call: drives the progress bar
CHUNK_BATCH_ARTICLES = 256  # articles tokenised per chunking call: bounds memory, drives progress

_log = logging.getLogger(__name__)


class ChunkingEmbedder(Embedder, OffsetTokenizer, Protocol):
    """An embedder that also exposes its tokenizer, as chunking needs."""


class LazyEmbedder:
    """The embedder, loaded on first need: an up-to-date `--if-stale` never loads the model."""

    def __init__(self, config: IndexConfig, given: ChunkingEmbedder | None) -> None:
        self._config = config
        self._embedder = given

    @property
    def model_name(self) -> str:
        return self._embedder.model_name if self._embedder else self._config.embedding_model

    def get(self) -> ChunkingEmbedder:
        if self._embedder is None:
            from indexer.embedding import load_embedder  # imports torch: only when needed

            self._embedder = load_embedder(self._config.embedding_model, self._config.batch_size)
        return self._embedder


@dataclass(frozen=True)
class Written:
    """The published generation and what meeting the model cost."""

    generation: str
    embedded: int  # distinct chunk texts embedded
    reused: int  # chunks of the generation whose vector was not computed now
    embed_seconds: float
    tagged: int = 0  # distinct chunk texts whose sentences were tagged now


def write_generation(
    index_dir: Path,
    records: dict[str, ArticleRecord],
    previous: Store | None,
    config: IndexConfig,
    embedders: LazyEmbedder,
    *,
    fingerprint: str | None,
    progress: bool,
    incremental: bool,
    clock: Stopwatch,
    prior: dict[str, ArticleRecord] | None = None,
) -> Written:
    """Write `records` (duplicate groups resolved) as a new generation and make it live.

    `prior` is the live generation's records where the caller has read them already.
    """
    reusable = previous is not None and previous.manifest.embedding_model == embedders.model_name
    same_chunking = (
        reusable and previous is not None and previous.manifest.chunking == (config.chunking())
    )
    old_by_text: dict[str, int] = {}
    with clock("read previous"):
        if not reusable or previous is None:
            prior = {}
        else:
            if prior is None:
                prior = {r.article.id: r for r in previous.article_records()}
            old_by_text = previous.positions_by_text()
    canonical = [r.article for r in records.values() if r.canonical_id is None]
    kept = {
        a.id
        for a in canonical
        if same_chunking
        and (old := prior.get(a.id)) is not None
        and old.canonical_id is None
        and old.article.content_hash == a.content_hash
    }
    delta = incremental and same_chunking and previous is not None
    with clock("chunking"):
        chunks_of = chunk_articles(
            [a for a in canonical if a.id not in kept], embedders, config, progress
        )
    if delta:  # kept articles' chunks stay where they are in the copied file
        chunks = [c for a in canonical if a.id not in kept for c in chunks_of[a.id]]
    else:
        if kept and previous is not None:
            with clock("read previous"):
                for article_id, pairs in previous.chunks_by_article().items():
                    if article_id in kept:
                        chunks_of[article_id] = [c for _, c in pairs]
        chunks = [c for a in canonical for c in chunks_of.get(a.id, [])]

    # Every distinct chunk text not embedded in the previous generation is embedded once.
    hashes = [text_sha256(c.text) for c in chunks]
    new_texts: dict[str, str] = {}
    for digest, chunk in zip(hashes, chunks, strict=True):
        if digest not in old_by_text:
            new_texts.setdefault(digest, chunk.text)
    embed_started = time.perf_counter()
    with clock("embedding"):
        fresh = embed_texts(embedders, list(new_texts.values()), config.batch_size, progress)
    embed_seconds = time.perf_counter() - embed_started if new_texts else 0.0
    dimension = _dimension(previous, fresh, embedders, reusable)
    with clock("read previous"):
        old_vectors = previous.vectors() if old_by_text and previous is not None else None
    vectors = _assemble(hashes, new_texts, fresh, old_vectors, old_by_text, dimension)

    with staging_dir(index_dir) as temp_dir:
        writer: StoreWriter | DeltaWriter
        with clock("writing"):
            if delta and previous is not None:
                writer = _write_delta(temp_dir, previous, prior, records, kept, chunks, vectors)
            else:
                writer = StoreWriter(temp_dir, dimension)
                for record in records.values():
                    writer.add_article(record)
                writer.add_chunks(chunks, vectors)
        with clock("sentence analysis"):
            analysis, tagged = _analyse(writer, previous, config, progress)
        with clock("writing"):
            total = writer.chunk_count
            built = writer.finish(config.faiss_index_type)
        kinds = [r.dup_kind for r in records.values()]
        counts = Counts(
            articles=len(records),
            indexed_articles=len(canonical),
            duplicates_exact=kinds.count("exact"),
            duplicates_near=kinds.count("near"),
            chunks=total,
            vectors=total,
        )
        with clock("checksums"):
            checksums = {p.name: sha256_file(p) for p in sorted(temp_dir.iterdir())}
        manifest = Manifest(
            generation=next_generation(index_dir),
            embedding_model=embedders.model_name,
            dimension=dimension,
            chunking=config.chunking(),
            faiss_type=built,
            counts=counts,
            checksums=checksums,
            input_fingerprint=fingerprint,
            sentence_analysis=analysis,
        )
        (temp_dir / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        with clock("fsync and publish"):
            name = publish(index_dir, temp_dir, manifest.generation)
    _log.debug("%s: %s", name, ", ".join(f"{k} {v:.2f}s" for k, v in clock.stages.items()))
    fresh_rows = sum(1 for digest in hashes if digest in new_texts)
    return Written(name, len(new_texts), total - fresh_rows, embed_seconds, tagged)


def _write_delta(
    temp_dir: Path,
    previous: Store,
    prior: dict[str, ArticleRecord],
    records: dict[str, ArticleRecord],
    kept: set[str],
    chunks: Sequence[Chunk],
    vectors: FloatMatrix,
) -> DeltaWriter:
    """Copy the live generation and apply the change; the writer, ready to finish."""
    writer = DeltaWriter(temp_dir, previous.directory, previous.dimension)
    writer.delete_chunks_of(
        i for i, old in prior.items() if old.canonical_id is None and i not in kept
    )
    writer.delete_articles(i for i in prior if i not in records)
    for article_id, record in records.items():
        old = prior.get(article_id)
        if old is None:
            writer.insert_article(record)
        elif old != record:
            writer.update_article(record)
    writer.add_chunks(chunks, vectors)
    return writer


def _analyse(
    writer: StoreWriter | DeltaWriter,
    previous: Store | None,
    config: IndexConfig,
    progress: bool,
) -> tuple[str | None, int]:
    """Tag the sentences of every chunk text not already tagged: (analyzer name, texts tagged).

    A generation's analyses all come from one analyzer: the previous generation's are kept
    (a delta) or copied (a rebuild) only where the same analyzer made them.
    """
    analyzer = load_analyzer() if config.sentence_analysis else None
    same = (
        analyzer is not None
        and previous is not None
        and previous.manifest.sentence_analysis == analyzer.name
    )
    if isinstance(writer, DeltaWriter):
        if not same:
            writer.drop_analyses()
    elif same and previous is not None:
        writer.reuse_analyses(previous.directory)
    if analyzer is None:
        if config.sentence_analysis:
            _log.warning("no spaCy English model installed: sentences are not tagged")
        return None, 0
    # A kept analysis of the same analyzer means the previous generation is fully analysed.
    missing = (
        writer.texts_without_analysis(kept_complete=same)
        if isinstance(writer, DeltaWriter)
        else writer.texts_without_analysis()
    )
    with ProgressBar(progress, "tagging sentences", len(missing)) as advance:
        for start in range(0, len(missing), ANALYSIS_BATCH_CHUNKS):
            batch = missing[start : start + ANALYSIS_BATCH_CHUNKS]
            analyses = analyzer.analyse([text for _, text in batch])
            writer.add_analyses(
                (digest, encode(found)) for (digest, _), found in zip(batch, analyses, strict=True)
            )
            advance(len(batch))
    return analyzer.name, len(missing)


def chunk_articles(
    articles: list[Article], embedders: LazyEmbedder, config: IndexConfig, progress: bool
) -> dict[str, list[Chunk]]:
    """article id -> its chunks (shared with the Milvus store's writer)."""
    chunks_of: dict[str, list[Chunk]] = {}
    if not articles:
        return chunks_of
    chunker = Chunker(embedders.get(), config.chunk_target_tokens, config.chunk_overlap_tokens)
    with ProgressBar(progress, "chunking", len(articles)) as advance:
        for start in range(0, len(articles), CHUNK_BATCH_ARTICLES):
            batch = articles[start : start + CHUNK_BATCH_ARTICLES]
            for article, chunks in zip(batch, chunker.chunk_articles(batch), strict=True):
                chunks_of[article.id] = chunks
            advance(len(batch))
    return chunks_of


def _assemble(
    hashes: list[str],
    new_texts: dict[str, str],
    fresh: FloatMatrix,
    old_vectors: FloatMatrix | None,
    old_by_text: dict[str, int],
    dimension: int,
) -> FloatMatrix:
    """One vector per chunk hash: freshly embedded, or copied from the previous generation."""
    fresh_row = {digest: i for i, digest in enumerate(new_texts)}
    vectors = np.zeros((len(hashes), dimension), dtype=np.float32)
    for i, digest in enumerate(hashes):
        if digest in fresh_row:
            vectors[i] = fresh[fresh_row[digest]]
        else:
            assert old_vectors is not None
            vectors[i] = old_vectors[old_by_text[digest]]
    return vectors


def _dimension(
    previous: Store | None, fresh: FloatMatrix, embedders: LazyEmbedder, reusable: bool
) -> int:
    if len(fresh):
        return int(fresh.shape[1])
    if reusable and previous is not None:
        return previous.dimension
    return embedders.get().dimension


def embed_texts(
    embedders: LazyEmbedder, texts: list[str], batch_size: int, progress: bool
) -> FloatMatrix:
    """(len(texts), dim) vectors, embedded in length-sorted slices (shared with Milvus's writer)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    embedder = embedders.get()
    # Sorting by length keeps padding low across slices; the order is restored after.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    # An embedder that fans out over a cluster (indexer.ray_embedder) takes them all at once:
    # each call is one distributed job, whose start-up would dominate small slices.
    step = len(texts) if getattr(embedder, "fans_out", False) else batch_size * 4
    with ProgressBar(progress, "embedding", len(texts)) as advance:
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            out[rows] = embedder.embed_documents([texts[i] for i in rows])
            advance(len(rows))
    return out
