"""Fixtures shared by the embedding tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder


@pytest.fixture
def float_export(embedder: SentenceTransformerEmbedder, model_cache_dir: Path) -> Path:
    """The session's checked float32 export (an 8-bit copy of it may lie beside it)."""
    (exported,) = (
        path
        for path in model_cache_dir.glob("encoder-*.onnx")
        if not path.name.endswith(".int8.onnx")
    )
    return exported
