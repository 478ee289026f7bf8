"""An `Embedder` for serving: the cached ONNX export alone, with no torch in the process.

The service embeds one question at a time (and, with `sentence_vectors=transformer`, a few
sentences); for that the ONNX export and its tokenizer are all that is needed. Loading torch and
sentence-transformers besides costs ~500 MB and seconds of start-up per process, which decides
whether two worker processes fit the memory budget. Where no checked export is cached yet, the
full `SentenceTransformerEmbedder` is loaded instead (it exports one for the next start).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.embedding.onnx_encoder import (
    EncoderSidecar,
    OnnxEncoder,
    cached_export_exists,
    load_cached_encoder,
)
from indexer.embedding.transformer import (
    QueryVectorCache,
    SentenceTransformerEmbedder,
    embed_length_sorted,
    load_embedder,
    resolve_model_path,
)
from indexer.protocols import FloatMatrix

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)


class OnnxQueryEmbedder:
    """`indexer.protocols.Embedder` over a checked ONNX export; thread-safe."""

    runtime = "onnxruntime"

    def __init__(self, name: str, encoder: OnnxEncoder, sidecar: EncoderSidecar) -> None:
        from tokenizers import Tokenizer

        self._name = name
        self._encoder = encoder
        self._sidecar = sidecar
        counter: Tokenizer = Tokenizer.from_str(sidecar.tokenizer_json)
        counter.no_truncation()
        counter.no_padding()
        self._counter = counter
        self._query_cache = QueryVectorCache()

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._sidecar.dimension

    @property
    def max_seq_length(self) -> int:
        return self._sidecar.max_length

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens of each text, special tokens excluded (never truncated)."""
        encodings = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """(n, dim) float32, L2-normalised, in length-sorted batches (little padding)."""
        lengths = self.count_tokens(texts) if texts else []
        return embed_length_sorted(texts, lengths, self.dimension, self._encoder.encode)

    def embed_query(self, text: str) -> FloatMatrix:
        """(dim,) float32, L2-normalised; recent queries come from a small cache (read-only)."""
        return self._query_cache.get_or_embed(text, lambda t: self._encoder.encode([t])[0])


def load_query_embedder(
    name: str,
    batch_size: int = 64,
    *,
    num_threads: int | None = None,
    cache_dir: Path | None = None,
) -> OnnxQueryEmbedder | SentenceTransformerEmbedder:
    """The torch-free embedder where a checked export is cached, else the full one.

    Without a cache_dir (ONNX switched off) the full embedder runs on torch, as before.
    """
    if cache_dir is not None:
        loaded = load_cached_encoder(resolve_model_path(name), cache_dir, num_threads=num_threads)
        if loaded is not None:
            return OnnxQueryEmbedder(name, *loaded)
    return load_embedder(name, batch_size, num_threads=num_threads, cache_dir=cache_dir)


def query_encoder_cached(name: str, cache_dir: Path) -> bool:
    """Whether `load_query_embedder` will find an export to check (without loading anything)."""
    return cached_export_exists(resolve_model_path(name), cache_dir)


def prepare_query_encoder(name: str, cache_dir: str) -> None:
    """Export and check the query encoder (torch is loaded for that, in this process only).

    `newsqa serve` runs this in a short-lived process before starting several workers, so
    that they do not each load torch and export the same model at once.
    """
    load_embedder(name, num_threads=1, cache_dir=Path(cache_dir))
