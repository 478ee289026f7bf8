"""Questions through the 8-bit copy of the export: close to float32, checked, never a failure."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

import indexer.embedding.quantized_encoder as quantized_encoder
from indexer.embedding.query_embedder import (
    OnnxQueryEmbedder,
    load_query_embedder,
    query_encoder_cached,
)
from indexer.embedding.transformer import SentenceTransformerEmbedder

QUESTIONS = [
    "Who leads Superintelligence Labs?",
    "How much did the chip maker spend on new plants?",
    "Which city hosted the robotics competition?",
    "What did the regulator fine the social network for?",
]
PASSAGES = [
    "The chip maker said it would spend $20 billion on new plants in Arizona and Ohio.",
    "A robotics competition held in Seoul drew teams from forty universities.",
    "Alexandr Wang leads Superintelligence Labs, the company's new research division.",
    "The regulator fined the social network for failing to protect children's data.",
]
ANSWERING = [2, 0, 1, 3]  # the passage that answers each question


def _copy_export(float_export: Path, into: Path) -> Path:
    """A cache holding the checked float32 export and its sidecar, and no 8-bit copy."""
    shutil.copy(float_export, into / float_export.name)
    shutil.copy(float_export.with_suffix(".json"), into / float_export.with_suffix(".json").name)
    return into / float_export.name


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosines: np.ndarray = (a * b).sum(axis=1) / norms
    return cosines


@pytest.mark.slow
def test_questions_take_the_8bit_copy_and_documents_stay_float32(
    embedder: SentenceTransformerEmbedder,
    float_export: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    export = _copy_export(float_export, tmp_path)
    assert not query_encoder_cached("all-MiniLM-L6-v2", tmp_path, "int8")
    with caplog.at_level(logging.INFO):
        served = load_query_embedder(
            "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="int8"
        )
        assert isinstance(served, OnnxQueryEmbedder) and served.query_precision == "int8"
        assert export.with_suffix(".int8.onnx").exists()
        assert query_encoder_cached("all-MiniLM-L6-v2", tmp_path, "int8")
        assert not list(tmp_path.glob("*.tmp"))  # no half-written copy left behind
        exact = embedder.model.encode(QUESTIONS, normalize_embeddings=True)
        fast = np.stack([served.embed_query(q) for q in QUESTIONS])
        # Questions alone never load the float32 sessions (~215 MiB a process) ...
        assert "float32 export, loaded on first use" not in caplog.text
        plain = embedder.model.encode(PASSAGES, normalize_embeddings=True)
        np.testing.assert_allclose(served.embed_documents(PASSAGES), plain, atol=1e-5)
        # ... a document does, once.
        assert caplog.text.count("float32 export, loaded on first use") == 1
        served.embed_documents(QUESTIONS)
        assert caplog.text.count("float32 export, loaded on first use") == 1
    assert np.abs(fast - exact).max() > 1e-3  # quantized indeed, not the float32 graph
    assert _cosines(fast, exact).min() > 0.97
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, rtol=1e-5)
    # What matters downstream: each question still finds the passage that answers it.
    assert list((fast @ plain.T).argmax(axis=1)) == ANSWERING
    assert list((exact @ plain.T).argmax(axis=1)) == ANSWERING


@pytest.mark.slow
def test_float32_questions_make_no_8bit_copy(float_export: Path, tmp_path: Path) -> None:
    _copy_export(float_export, tmp_path)
    served = load_query_embedder(
        "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="float32"
    )
    assert isinstance(served, OnnxQueryEmbedder) and served.query_precision == "float32"
    assert not list(tmp_path.glob("*.int8.onnx"))
    np.testing.assert_array_equal(
        served.embed_query(QUESTIONS[0]), served.embed_documents(QUESTIONS[:1])[0]
    )


@pytest.mark.slow
def test_the_full_embedder_quantizes_after_exporting(
    embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    # No export cached: torch is loaded, exports and checks, then the 8-bit copy is made; this
    # is what `newsqa serve` runs once before starting its workers.
    loaded = load_query_embedder(
        "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="int8"
    )
    assert isinstance(loaded, SentenceTransformerEmbedder)
    assert loaded.runtime == "onnxruntime" and loaded.query_precision == "int8"
    exact = embedder.model.encode(QUESTIONS, normalize_embeddings=True)
    fast = np.stack([loaded.embed_query(q) for q in QUESTIONS])
    assert np.abs(fast - exact).max() > 1e-3 and _cosines(fast, exact).min() > 0.97
    np.testing.assert_allclose(loaded.embed_documents(QUESTIONS), exact, atol=1e-5)
    again = load_query_embedder(
        "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="int8"
    )
    assert isinstance(again, OnnxQueryEmbedder) and again.query_precision == "int8"
    np.testing.assert_array_equal(again.embed_query(QUESTIONS[1]), fast[1])


@pytest.mark.slow
def test_a_damaged_8bit_copy_is_quantized_again(
    float_export: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    export = _copy_export(float_export, tmp_path)
    export.with_suffix(".int8.onnx").write_bytes(b"not an onnx graph")
    with caplog.at_level(logging.WARNING):
        served = load_query_embedder(
            "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="int8"
        )
    assert "quantizing again" in caplog.text
    assert isinstance(served, OnnxQueryEmbedder) and served.query_precision == "int8"
    assert export.with_suffix(".int8.onnx").stat().st_size > 1_000_000


@pytest.mark.slow
def test_a_copy_that_disagrees_leaves_questions_in_float32(
    float_export: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _copy_export(float_export, tmp_path)
    monkeypatch.setattr(quantized_encoder, "MIN_PROBE_COSINE", 0.99999)  # nothing 8-bit passes
    with caplog.at_level(logging.WARNING):
        served = load_query_embedder(
            "all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path, query_precision="int8"
        )
    assert "agrees with torch only to cosine" in caplog.text
    assert "questions are embedded in float32" in caplog.text
    assert isinstance(served, OnnxQueryEmbedder) and served.query_precision == "float32"
    assert not list(tmp_path.glob("*.int8.onnx"))  # removed, so the next start tries afresh
    np.testing.assert_array_equal(
        served.embed_query(QUESTIONS[0]), served.embed_documents(QUESTIONS[:1])[0]
    )
