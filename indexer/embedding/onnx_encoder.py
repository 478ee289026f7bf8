"""The embedding model's transformer run by ONNX Runtime, for short calls (queries, sentences).

A query through torch spends more time in framework overhead than in arithmetic (~20-30 ms for
a dozen tokens on one core); ONNX Runtime runs the same graph in ~8 ms. The ONNX file is
exported once from the local model (never downloaded), checked against torch's output on probe
texts, and cached under a key of the model's files and the library versions; an export that
fails or disagrees is logged and torch is used instead.

Beside the export lies a sidecar (`.json`): the tokenizer, the model's shape, and torch's vectors
for the probe texts. With both files in the cache, `load_cached_encoder` checks the export
against those stored vectors and serves queries without importing torch at all: a service
process is then a third of the memory and starts seconds sooner.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from indexer.embedding.model_cache import derived_model_key, replaced_atomically
from indexer.protocols import FloatMatrix

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

OPSET = 17
# Agreement with torch required of a fresh export (cosine-normalised vectors, max abs diff).
MAX_EXPORT_ERROR = 1e-4
PROBE_TEXTS = (
    "Who leads Superintelligence Labs?",
    "The company said on Tuesday that its new model, trained on 15 trillion tokens, beats the "
    "previous version on coding and maths benchmarks while costing less to run.",
    "Hi",
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
SOLO_THREADS = 2  # intra-op threads for a call that runs alone (OnnxEncoder)
_export_lock = threading.Lock()  # one export per process at a time; files are atomic anyway


class OnnxEncoder:
    """Mean-pooled, L2-normalised vectors; thread-safe (ONNX Runtime sessions are).

    `solo`, where given, is a second session over the same graph with more intra-op threads,
    used while no other call is running in this process: a lone query then takes both cores
    (~11 -> ~7 ms for a question on 2 cores), while concurrent calls keep one thread each, as
    more would only oversubscribe the cores they already share.
    """

    def __init__(
        self, session: Any, tokenizer: Tokenizer, max_length: int, *, solo: Any | None = None
    ) -> None:
        self._session = session
        self._solo = solo
        self._inputs = [i.name for i in session.get_inputs()]
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self._running = 0
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        """(n, dim) float32 for one padded batch; callers keep batches short and similar."""
        encodings = self._tokenizer.encode_batch(list(texts))
        arrays = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        with self._lock:
            self._running += 1
            alone = self._running == 1
        try:
            session = self._solo if alone and self._solo is not None else self._session
            (hidden,) = session.run(None, {name: arrays[name] for name in self._inputs})
        finally:
            with self._lock:
                self._running -= 1
        mask = arrays["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        out: FloatMatrix = np.ascontiguousarray(pooled / norms, dtype=np.float32)
        return out


def load_onnx_encoder(
    model: SentenceTransformer,
    model_path: str,
    cache_dir: Path,
    *,
    max_length: int,
    num_threads: int | None,
    reference: Callable[[list[str]], FloatMatrix],
) -> OnnxEncoder | None:
    """An encoder for `model` from the cache, exporting it first where needed; None on failure.

    Every load is checked against `reference` (the torch path) on PROBE_TEXTS, so a damaged
    cached file is noticed: it is removed and exported again once; then torch is used.
    """
    try:
        import onnxruntime  # noqa: F401  (an optional speed-up: absent means torch)
    except ImportError:
        log.info("onnxruntime is not installed; short embedding calls use torch")
        return None
    target = export_path(model_path, cache_dir)
    for attempt in range(2):
        try:
            with _export_lock:
                if not target.exists():
                    _export(model, target)
            tokenizer_json = _plain_tokenizer_json(model)
            encoder = open_encoder(target, tokenizer_json, max_length, num_threads)
            probes = list(PROBE_TEXTS)
            expected = reference(probes)
            error = float(np.abs(encoder.encode(probes) - expected).max())
        except Exception as exc:  # an optional speed-up must never stop the service
            problem = f"cannot use {target}: {exc}"
        else:
            if error <= MAX_EXPORT_ERROR:
                log.info("short embedding calls use ONNX Runtime (%s, error %.1g)", target, error)
                sidecar = EncoderSidecar(
                    tokenizer_json=tokenizer_json,
                    max_length=max_length,
                    dimension=int(expected.shape[1]),
                    special_tokens=int(model.tokenizer.num_special_tokens_to_add(pair=False)),
                    reference=expected.tolist(),
                )
                _write_atomic(sidecar_path(target), sidecar.to_json())
                return encoder
            problem = f"{target} differs from torch by {error:.2g}"
        log.warning("ONNX encoder: %s%s", problem, "; exporting again" if attempt == 0 else "")
        target.unlink(missing_ok=True)
        sidecar_path(target).unlink(missing_ok=True)
    log.warning("ONNX encoder unavailable; short embedding calls use torch")
    return None


@dataclass(frozen=True)
class EncoderSidecar:
    """What serving an export needs besides the graph, written once torch has vouched for it."""

    tokenizer_json: str
    max_length: int
    dimension: int
    special_tokens: int
    reference: list[list[float]]  # torch's vectors for PROBE_TEXTS

    def to_json(self) -> str:
        return json.dumps(
            {
                "probes": list(PROBE_TEXTS),
                "tokenizer": self.tokenizer_json,
                "max_length": self.max_length,
                "dimension": self.dimension,
                "special_tokens": self.special_tokens,
                "reference": self.reference,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> EncoderSidecar:
        data = json.loads(text)
        if data["probes"] != list(PROBE_TEXTS):
            raise ValueError("the sidecar was written for other probe texts")
        return cls(
            tokenizer_json=str(data["tokenizer"]),
            max_length=int(data["max_length"]),
            dimension=int(data["dimension"]),
            special_tokens=int(data["special_tokens"]),
            reference=[[float(x) for x in row] for row in data["reference"]],
        )


def load_cached_encoder(
    model_path: str, cache_dir: Path, *, num_threads: int | None
) -> tuple[OnnxEncoder, EncoderSidecar] | None:
    """The cached export and its sidecar, checked against the stored torch vectors; or None.

    None (with the reason logged at debug level) where either file is missing, unreadable or
    disagrees: the caller then loads the model with torch, which exports and checks afresh.
    """
    try:
        target = export_path(model_path, cache_dir)
        sidecar = EncoderSidecar.from_json(sidecar_path(target).read_text(encoding="utf-8"))
        if not target.exists():
            raise FileNotFoundError(target)
        encoder = open_encoder(target, sidecar.tokenizer_json, sidecar.max_length, num_threads)
        expected = np.array(sidecar.reference, dtype=np.float32)
        error = float(np.abs(encoder.encode(list(PROBE_TEXTS)) - expected).max())
    except Exception as exc:  # ImportError (no onnxruntime), OSError, ValueError, ORT errors
        log.debug("no usable cached ONNX encoder for %s: %s", model_path, exc)
        return None
    if error > MAX_EXPORT_ERROR:
        log.warning("cached ONNX encoder %s differs from torch by %.2g; reloading", target, error)
        return None
    log.info("queries use the cached ONNX encoder %s (error %.1g), without torch", target, error)
    return encoder, sidecar


def cached_export_exists(model_path: str, cache_dir: Path) -> bool:
    """Whether an export and its sidecar are cached for this model (not checked: cheap)."""
    try:
        target = export_path(model_path, cache_dir)
    except importlib.metadata.PackageNotFoundError:
        return False
    return target.exists() and sidecar_path(target).exists()


def export_path(model_path: str, cache_dir: Path) -> Path:
    """Where the checked float32 export of this model (and library versions) is cached."""
    return cache_dir / f"encoder-{_cache_key(model_path)}.onnx"


def sidecar_path(target: Path) -> Path:
    return target.with_suffix(".json")


def _write_atomic(path: Path, text: str) -> None:
    with replaced_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _cache_key(model_path: str) -> str:
    # Installed versions from package metadata: importing torch just to read its version would
    # cost the torch-free path what it saves.
    versions = {
        name: importlib.metadata.version(name) for name in ("torch", "transformers", "onnxruntime")
    }
    return derived_model_key(
        model_path,
        *(f"{name} {version}" for name, version in versions.items()),
        f"opset {OPSET}",
        "fused attention",  # exports before fusion (_fuse_transformer_ops) are exported again
    )


def _export(model: SentenceTransformer, target: Path) -> None:
    import torch

    transformer = cast(Any, model[0]).auto_model
    previous = transformer.config._attn_implementation
    # The fused (sdpa) attention exports with its padding mask folded away, so padded batches
    # come out wrong; the eager implementation exports the mask as written.
    transformer.set_attn_implementation("eager")
    try:
        sample = model.tokenizer(["a short text", "a somewhat longer text"], padding=True)
        args = tuple(torch.tensor(sample[name]) for name in _INPUTS)
        with replaced_atomically(target) as tmp:
            with warnings.catch_warnings():
                # The TorchScript exporter warns that it is legacy and traces Python branches; both
                # are expected here (the graph is checked against torch before it is used).
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    _last_hidden_state(transformer),
                    args,
                    str(tmp),
                    input_names=list(_INPUTS),
                    output_names=["last_hidden_state"],
                    dynamic_axes={name: {0: "batch", 1: "tokens"} for name in _INPUTS}
                    | {"last_hidden_state": {0: "batch", 1: "tokens"}},
                    opset_version=OPSET,
                    dynamo=False,
                )
            _fuse_transformer_ops(str(tmp), transformer.config)
    finally:
        transformer.set_attn_implementation(previous)


def _fuse_transformer_ops(path: str, config: Any) -> None:
    """Rewrites a BERT-style export with ONNX Runtime's fused attention and layer-norm ops.

    A question's forward pass takes ~15% less time (9.3 -> 8.5 ms on one core, 6.8 -> 5.6 ms
    on two) with vectors within 2e-6 of the plain graph's. Other architectures, or a fusion
    that fails, keep the plain export; either way the result is checked against torch.
    """
    if getattr(config, "model_type", None) != "bert":
        return
    # The optimizer logs every step at INFO through loggers of its own module names.
    logging.disable(logging.INFO)
    fused: Any = None
    try:
        from onnxruntime.transformers import optimizer

        fused = optimizer.optimize_model(
            path,
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=1,
        )
        fused.save_model_to_file(path)
    except Exception as exc:  # an optional speed-up of an optional speed-up
        fused = None
        problem = str(exc)
    finally:
        logging.disable(logging.NOTSET)
    if fused is None:
        log.warning("ONNX encoder: attention fusion skipped (%s)", problem)
    else:
        counts = {op: n for op, n in fused.get_fused_operator_statistics().items() if n}
        log.info("ONNX encoder: fused %s", counts)


def _session(path: Path, num_threads: int | None, *, spinning: bool = True) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if num_threads is not None:
        options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    if not spinning:  # idle pool threads sleep instead of burning a core between calls
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def open_encoder(
    path: Path, tokenizer_json: str, max_length: int, num_threads: int | None
) -> OnnxEncoder:
    """An encoder over the export; with one thread a call, a solo session for lone calls."""
    cores = os.cpu_count() or 1
    solo = (
        _session(path, min(SOLO_THREADS, cores), spinning=False)
        if num_threads == 1 and cores > 1
        else None
    )
    return OnnxEncoder(
        _session(path, num_threads), _tokenizer_from(tokenizer_json), max_length, solo=solo
    )


def _plain_tokenizer_json(model: SentenceTransformer) -> str:
    """The model's tokenizer without the truncation and padding its last call left set."""
    tokenizer = _tokenizer_from(model.tokenizer.backend_tokenizer.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return str(tokenizer.to_str())


def _tokenizer_from(tokenizer_json: str) -> Tokenizer:
    from tokenizers import Tokenizer

    return Tokenizer.from_str(tokenizer_json)


def _last_hidden_state(transformer: Any) -> Any:
    """The Hugging Face model as a module of three tensor inputs and one output, for export."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return LastHiddenState().eval()
