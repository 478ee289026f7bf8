"""Chunks and vectors for a write: the embedder loaded on first need, articles chunked in
batches, new texts embedded shortest first, every chunk's vector fresh or reused by text."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from indexer.config import IndexConfig
from indexer.progress import ProgressBar
from indexer.protocols import Embedder, FloatMatrix
from indexer.store.reader import Store
from indexer.text.chunking import Chunker, OffsetTokenizer
from indexer.types import Article, Chunk

CHUNK_BATCH_ARTICLES = 256  # articles tokenised per chunking call: bounds memory, drives progress


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
            from indexer.embedding.transformer import (
                load_embedder,  # imports torch: only when needed
            )

            self._embedder = load_embedder(self._config.embedding_model, self._config.batch_size)
        return self._embedder


def chunk_articles(
    articles: list[Article], embedders: LazyEmbedder, config: IndexConfig, progress: bool
) -> dict[str, list[Chunk]]:
    """article id -> its chunks, cut with the embedder's tokenizer."""
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


def embed_texts(
    embedders: LazyEmbedder, texts: list[str], batch_size: int, progress: bool
) -> FloatMatrix:
    """(len(texts), dim) float32; (0, 0) where there is nothing to embed."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    embedder = embedders.get()
    # Sorting by length keeps padding low across slices; the order is restored after.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    # An embedder that fans out over a cluster (indexer.embedding.ray_embedder) takes them all at
    # once: each call is one distributed job, whose start-up would dominate small slices.
    step = len(texts) if getattr(embedder, "fans_out", False) else batch_size * 4
    with ProgressBar(progress, "embedding", len(texts)) as advance:
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            out[rows] = embedder.embed_documents([texts[i] for i in rows])
            advance(len(rows))
    return out


def assemble_vectors(
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


def vector_dimension(
    previous: Store | None, fresh: FloatMatrix, embedders: LazyEmbedder, reusable: bool
) -> int:
    """The new generation's dimension, loading the model only where nothing else says it."""
    if len(fresh):
        return int(fresh.shape[1])
    if reusable and previous is not None:
        return previous.dimension
    return embedders.get().dimension
