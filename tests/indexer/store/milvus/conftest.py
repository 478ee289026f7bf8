"""Milvus Lite indexes for the Milvus store's tests: real files, real client, no server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.config import IndexConfig
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.pipeline.run import build_index
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.rows import CollectionSettings

SMALL_CONFIG = IndexConfig(chunk_target_tokens=40, chunk_overlap_tokens=8)


def lite(root: Path, alias: str = "newsqa", changes: str = "auto") -> MilvusLocation:
    """A Milvus Lite deployment in `root` (its file and its writers' lock directory).

    changes="delta" writes adds and deletes as a Milvus server does (into the live base);
    Lite's own default rewrites a base instead (CollectionSettings.changes).
    """
    return MilvusLocation(
        str(root / "milvus.db"),
        alias=alias,
        settings=CollectionSettings(changes=changes),
        lock_dir=root / "locks",
    )


@pytest.fixture(scope="session")
def milvus_small(
    tmp_path_factory: pytest.TempPathFactory,
    small_index: Path,
    embedder: SentenceTransformerEmbedder,
) -> Iterator[MilvusLocation]:
    """The small_index articles built into Milvus Lite by the pipeline (same settings, same
    model, sentence analysis included). Read-only: tests that change an index build their own."""
    location = lite(tmp_path_factory.mktemp("milvus_small"))
    source = small_index.parent / "articles.jsonl"
    build_index([source], location, SMALL_CONFIG, embedder=embedder, progress=False)
    yield location
    location.close()
