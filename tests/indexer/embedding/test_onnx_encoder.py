"""Short embedding calls on ONNX Runtime: same vectors as torch, cached, and never a failure."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from indexer.embedding.query_embedder import OnnxQueryEmbedder, load_query_embedder
from indexer.embedding.transformer import SentenceTransformerEmbedder, load_embedder
from indexer.protocols import Embedder

TEXTS = [
    "Who leads Superintelligence Labs?",
    "Rain.",
    "The chip maker reported record quarterly revenue driven by data-centre demand, and said "
    "it would spend more on new plants in Arizona and Ohio over the next three years.",
    "A start-up released an open-weights language model for coding assistants.",
]


@pytest.mark.slow
def test_the_session_embedder_runs_short_calls_on_onnx_runtime(
    embedder: SentenceTransformerEmbedder,
) -> None:
    assert embedder.runtime == "onnxruntime"
    # Mixed lengths in one batch: padding must not leak into the vectors.
    fast = embedder.embed_documents(TEXTS)
    reference = embedder._torch_forward(embedder.model, TEXTS)
    np.testing.assert_allclose(fast, reference, atol=1e-5)
    plain = embedder.model.encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(fast, plain, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_query(TEXTS[0] + " "), plain[0], atol=1e-5)


@pytest.mark.slow
def test_the_export_is_cached_and_reused(model_cache_dir: Path, float_export: Path) -> None:
    exported = float_export
    before = exported.stat().st_mtime_ns
    again = load_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=model_cache_dir)
    assert again.runtime == "onnxruntime"
    assert exported.stat().st_mtime_ns == before  # loaded, not exported again
    assert not list(model_cache_dir.glob("*.tmp"))  # no half-written export left behind


@pytest.mark.slow
def test_a_damaged_cached_export_is_replaced(
    tmp_path: Path, float_export: Path, caplog: pytest.LogCaptureFixture
) -> None:
    exported = float_export
    damaged = tmp_path / exported.name
    damaged.write_bytes(exported.read_bytes()[: exported.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        embedder = load_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path)
    assert "exporting again" in caplog.text
    assert embedder.runtime == "onnxruntime"
    assert damaged.stat().st_size == exported.stat().st_size


@pytest.mark.slow
def test_without_a_cache_dir_or_onnxruntime_torch_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = load_embedder("all-MiniLM-L6-v2", num_threads=1)
    assert plain.runtime == "torch"
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    missing = load_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path)
    assert missing.runtime == "torch"
    assert not list(tmp_path.iterdir())
    np.testing.assert_allclose(
        missing.embed_documents(TEXTS), plain.embed_documents(TEXTS), atol=1e-6
    )


@pytest.mark.slow
def test_the_query_embedder_needs_only_the_cached_export(
    embedder: SentenceTransformerEmbedder, model_cache_dir: Path
) -> None:
    assert len(list(model_cache_dir.glob("encoder-*.json"))) == 1  # beside the checked export
    served = load_query_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=model_cache_dir)
    assert isinstance(served, OnnxQueryEmbedder) and isinstance(served, Embedder)
    assert served.runtime == "onnxruntime" and served.model_name == embedder.model_name
    assert (served.dimension, served.max_seq_length) == (embedder.dimension, 256)
    assert served.count_tokens(TEXTS) == embedder.count_tokens(TEXTS)
    plain = embedder.model.encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(served.embed_documents(TEXTS), plain, atol=1e-5)
    np.testing.assert_allclose(served.embed_query(TEXTS[2]), plain[2], atol=1e-5)
    assert served.embed_documents([]).shape == (0, embedder.dimension)


_TORCH_FREE = """
import sys
from pathlib import Path
from indexer.embedding.query_embedder import OnnxQueryEmbedder, load_query_embedder
served = load_query_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=Path(sys.argv[1]))
assert isinstance(served, OnnxQueryEmbedder), type(served)
served.embed_query("Who leads Superintelligence Labs?")
assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules
print("ok")
"""


@pytest.mark.slow
def test_the_query_embedder_never_imports_torch(
    embedder: SentenceTransformerEmbedder, model_cache_dir: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _TORCH_FREE, str(model_cache_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "other vectors", "no export"])
def test_a_bad_sidecar_means_the_full_embedder_checks_again(
    float_export: Path, tmp_path: Path, damage: str
) -> None:
    exported = float_export
    sidecar = exported.with_suffix(".json")
    shutil.copy(exported, tmp_path / exported.name)
    if damage == "garbage":
        (tmp_path / sidecar.name).write_text("{not json", encoding="utf-8")
    elif damage == "other vectors":
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        data["reference"] = [[x + 0.01 for x in row] for row in data["reference"]]
        (tmp_path / sidecar.name).write_text(json.dumps(data), encoding="utf-8")
    else:
        shutil.copy(sidecar, tmp_path / sidecar.name)
        (tmp_path / exported.name).unlink()
    loaded = load_query_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path)
    assert isinstance(loaded, SentenceTransformerEmbedder)
    assert loaded.runtime == "onnxruntime"  # checked against torch, and the sidecar rewritten
    assert json.loads((tmp_path / sidecar.name).read_text()) == json.loads(sidecar.read_text())
    again = load_query_embedder("all-MiniLM-L6-v2", num_threads=1, cache_dir=tmp_path)
    assert isinstance(again, OnnxQueryEmbedder)


class _RecordingSession:
    """Stands in for an ONNX Runtime session: records calls, can hold one until released."""

    def __init__(self, name: str, calls: list[str], gate: threading.Event | None = None) -> None:
        self.name, self.calls, self.gate = name, calls, gate
        self.entered = threading.Event()

    def get_inputs(self) -> list[Any]:
        return [SimpleNamespace(name=n) for n in ("input_ids", "attention_mask", "token_type_ids")]

    def run(self, outputs: object, feed: dict[str, Any]) -> list[Any]:
        self.calls.append(self.name)
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        return [np.ones((*feed["input_ids"].shape, 4), dtype=np.float32)]


@pytest.mark.slow
def test_a_lone_call_takes_the_solo_session_and_concurrent_ones_the_shared_one(
    embedder: SentenceTransformerEmbedder,
) -> None:
    from tokenizers import Tokenizer

    from indexer.embedding.onnx_encoder import OnnxEncoder

    tokenizer_json = embedder.model.tokenizer.backend_tokenizer.to_str()
    calls: list[str] = []
    gate = threading.Event()
    shared = _RecordingSession("shared", calls)
    solo = _RecordingSession("solo", calls, gate)
    encoder = OnnxEncoder(shared, Tokenizer.from_str(tokenizer_json), 256, solo=solo)
    first = threading.Thread(target=encoder.encode, args=(["a lone question"],))
    first.start()
    assert solo.entered.wait(10)  # running alone: the solo session
    encoder.encode(["a second question while the first runs"])
    gate.set()
    first.join(10)
    encoder.encode(["alone again"])
    assert calls == ["solo", "shared", "solo"]
    vectors = encoder.encode(["x", "a longer text"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
