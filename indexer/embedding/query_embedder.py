"""An `Embedder` for serving: the cached ONNX export alone, with no torch in the process.

The service embeds one question at a time (and, with `sentence_vectors=transformer`, a few
sentences); for that the ONNX export and its tokenizer are all that is needed. Loading torch and
sentence-transformers besides costs ~500 MB and seconds of start-up per process, which decides
whether two worker processes fit the memory budget. Where no checked export is cached yet, the
full `SentenceTransformerEmbedder` is loaded instead (it exports one for the next start).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.embedding.onnx_encoder import (
    EncoderSidecar,
    OnnxEncoder,
    cached_export_exists,
    load_cached_encoder,
)
from indexer.embedding.quantized_encoder import load_quantized_encoder, quantized_encoder_cached
from indexer.embedding.transformer import (
    QueryPrecision,
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


# One batch of texts -> (n, dim) float32 vectors, L2-normalised.
BatchEncode = Callable[[Sequence[str]], FloatMatrix]


class OnnxQueryEmbedder:
    """`indexer.protocols.Embedder` over a checked ONNX export; thread-safe.

    Questions go through `question_encoder`. Documents and sentences go through it too where
    it is the float32 export; beside the 8-bit copy, through the float32 encoder that
    `load_documents` returns on first use. The service embeds only questions by default, so
    its float32 sessions (~215 MiB a process, against the copy's ~80) load only if something
    asks for a document.
    """

    runtime = "onnxruntime"

    def __init__(
        self,
        name: str,
        question_encoder: OnnxEncoder,
        sidecar: EncoderSidecar,
        *,
        query_precision: QueryPrecision,
        load_documents: Callable[[], BatchEncode] | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        self._name = name
        self._question_encoder = question_encoder
        self.query_precision = query_precision
        self._documents: BatchEncode | None = None if load_documents else question_encoder.encode
        self._load_documents = load_documents
        self._documents_lock = threading.Lock()
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
        return embed_length_sorted(texts, lengths, self.dimension, self._document_encoder())

    def embed_query(self, text: str) -> FloatMatrix:
        """(dim,) float32, L2-normalised; recent queries come from a small cache (read-only)."""
        encoder = self._question_encoder
        return self._query_cache.get_or_embed(text, lambda t: encoder.encode([t])[0])

    def _document_encoder(self) -> BatchEncode:
        if self._documents is None:
            with self._documents_lock:
                if self._documents is None and self._load_documents is not None:
                    self._documents = self._load_documents()
        assert self._documents is not None
        return self._documents


def load_query_embedder(
    name: str,
    batch_size: int = 64,
    *,
    num_threads: int | None = None,
    cache_dir: Path | None = None,
    query_precision: QueryPrecision = "float32",
) -> OnnxQueryEmbedder | SentenceTransformerEmbedder:
    """The torch-free embedder where a checked export is cached, else the full one.

    Without a cache_dir (ONNX switched off) the full embedder runs on torch, as before, and
    questions are embedded in float32 whatever `query_precision` asks.
    """
    if cache_dir is not None:
        path = resolve_model_path(name)
        if query_precision == "int8":
            quantized = load_quantized_encoder(path, cache_dir, num_threads=num_threads)
            if quantized is not None:
                return OnnxQueryEmbedder(
                    name,
                    *quantized,
                    query_precision="int8",
                    load_documents=lambda: _float32_documents(name, cache_dir, num_threads),
                )
        loaded = load_cached_encoder(path, cache_dir, num_threads=num_threads)
        if loaded is not None:
            return OnnxQueryEmbedder(name, *loaded, query_precision="float32")
    return load_embedder(
        name,
        batch_size,
        num_threads=num_threads,
        cache_dir=cache_dir,
        query_precision=query_precision,
    )


def _float32_documents(name: str, cache_dir: Path, num_threads: int | None) -> BatchEncode:
    """The checked float32 export's encoder; torch's embedder where the export fails its check."""
    loaded = load_cached_encoder(resolve_model_path(name), cache_dir, num_threads=num_threads)
    if loaded is not None:
        log.info("documents are embedded through the float32 export, loaded on first use")
        return loaded[0].encode
    log.warning("the cached float32 export failed its check; documents are embedded with torch")
    return load_embedder(name, num_threads=num_threads, cache_dir=cache_dir).embed_documents


def query_encoder_cached(
    name: str, cache_dir: Path, query_precision: QueryPrecision = "float32"
) -> bool:
    """Whether `load_query_embedder` will find its encoders to check (without loading them)."""
    path = resolve_model_path(name)
    return cached_export_exists(path, cache_dir) and (
        query_precision != "int8" or quantized_encoder_cached(path, cache_dir)
    )


def prepare_query_encoder(
    name: str, cache_dir: str, query_precision: QueryPrecision = "float32"
) -> None:
    """Export and check the query encoders (torch is loaded for that, in this process only).

    `newsqa serve` runs this in a short-lived process before starting several workers, so
    that they do not each load torch and export (or quantize) the same model at once.
    """
    load_embedder(name, num_threads=1, cache_dir=Path(cache_dir), query_precision=query_precision)
