"""Fixtures for indexer tests: the real default embedder, loaded once per session."""

from __future__ import annotations

import os

import pytest

from indexer.embedding import SentenceTransformerEmbedder, load_embedder


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, warmed up once; never downloads (offline env set)."""
    # The autouse clean_environ fixture is function-scoped, so set offline mode here as well.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return load_embedder("all-MiniLM-L6-v2", batch_size=16)
