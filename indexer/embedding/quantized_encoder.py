"""Questions through an 8-bit copy of the ONNX export: the same passages found, sooner.

A question's forward pass is the largest single cost of `/ask` (~6 of ~20 ms on two cores).
ONNX Runtime's dynamic quantization stores each weight matrix in int8, with one scale per
output channel, and quantizes the activations on each call. On all-MiniLM-L6-v2 that embeds a
question in ~3 ms instead of ~6 on two cores (3.2 against 8.2 on one), and the question's
vector stays within cosine .99 of the float32 one (median .994 over 600 RealTime QA
questions). One scale per whole matrix is barely faster and drifts to a median of .967.

Only questions take this path. Documents are embedded in float32, so an index never mixes
precisions; comparing an 8-bit question with float32 passages is what `bench/results` and
`eval/results` measure (the README's retrieval table; docs/performance.md has the effect).

The 8-bit file is derived from the checked float32 export and cached beside it. It is checked
in turn against torch's stored vectors for the probe texts (by cosine: quantization moves
every coordinate a little, so the float export's 1e-4 bound does not apply). A file that
cannot be made, read, or that fails the check is removed, and questions stay in float32.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from indexer.embedding.model_cache import replaced_atomically
from indexer.embedding.onnx_encoder import (
    PROBE_TEXTS,
    EncoderSidecar,
    OnnxEncoder,
    export_path,
    open_encoder,
    sidecar_path,
)

log = logging.getLogger(__name__)

# Least cosine to torch's vector on any probe text. Per-channel int8 weights give .995 and .990
# on the two sentences and .982 on "Hi" (three tokens: least to average over); per-tensor
# scales fall to .93-.97 on real questions, enough to change the top five passages.
MIN_PROBE_COSINE = 0.97
_quantize_lock = threading.Lock()  # one quantization per process at a time; files are atomic


def quantized_path(export: Path) -> Path:
    return export.with_suffix(".int8.onnx")


def quantized_encoder_cached(model_path: str, cache_dir: Path) -> bool:
    """Whether an 8-bit copy of this model's export is cached (not checked: cheap)."""
    return quantized_path(export_path(model_path, cache_dir)).exists()


def load_quantized_encoder(
    model_path: str, cache_dir: Path, *, num_threads: int | None
) -> tuple[OnnxEncoder, EncoderSidecar] | None:
    """The 8-bit encoder and the sidecar it was checked against, quantizing the cached float32
    export first where needed; or None.

    Needs the export's sidecar (written once torch has checked the export), and the export
    itself where no 8-bit copy is cached yet. A cached 8-bit file that fails to load or to
    agree is quantized again, once.
    """
    export = export_path(model_path, cache_dir)
    target = quantized_path(export)
    if not sidecar_path(export).exists():
        log.debug("no checked export of %s to quantize in %s yet", model_path, cache_dir)
        return None  # the caller exports one first (torch), then asks again
    for attempt in range(2):
        try:
            sidecar = EncoderSidecar.from_json(sidecar_path(export).read_text(encoding="utf-8"))
            with _quantize_lock:
                if not target.exists():
                    _quantize(export, target)
            encoder = open_encoder(target, sidecar.tokenizer_json, sidecar.max_length, num_threads)
            cosine = _least_cosine(encoder.encode(list(PROBE_TEXTS)), sidecar.reference)
        except Exception as exc:  # ImportError, OSError, ORT errors: an optional speed-up
            problem = f"cannot use {target}: {exc}"
        else:
            if cosine >= MIN_PROBE_COSINE:
                log.info("questions use the 8-bit encoder %s (cosine %.4f)", target, cosine)
                return encoder, sidecar
            problem = f"{target} agrees with torch only to cosine {cosine:.4f}"
        log.warning("8-bit encoder: %s%s", problem, "; quantizing again" if attempt == 0 else "")
        target.unlink(missing_ok=True)
    log.warning("8-bit encoder unavailable; questions are embedded in float32")
    return None


def _least_cosine(vectors: np.ndarray, reference: list[list[float]]) -> float:
    expected = np.asarray(reference, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(expected, axis=1)
    return float(((vectors * expected).sum(axis=1) / np.maximum(norms, 1e-12)).min())


def _quantize(export: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantizer advises "pre-processing" through the root logger on every call; the result
    # is checked against torch instead.
    logging.disable(logging.WARNING)
    try:
        with replaced_atomically(target) as tmp:
            quantize_dynamic(
                export,
                tmp,
                weight_type=QuantType.QInt8,
                per_channel=True,
                # The fused attention and layer-norm ops come from ONNX Runtime's own domain,
                # whose outputs ONNX shape inference cannot type; they are float32 tensors.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
    finally:
        logging.disable(logging.NOTSET)
