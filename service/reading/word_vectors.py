"""Context-free word vectors: the embedding model's own word-piece table, read from its files.

Meaning beyond shared words, at the cost of a table lookup. "Which animal ...?" should prefer
"cows" to "China", and "livestock" is nearer "cows" than "H5N1"; "boss" is near "executive".
Running the model on every candidate would say so better, but costs ~10 ms a call on two
cores; the input embedding layer of all-MiniLM-L6-v2 (30,522 pieces x 384 float32:
47 MB) says enough of it for a ranker feature, and needs no model call at all.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.lru import LockedLRU

_log = logging.getLogger(__name__)
Vector = npt.NDArray[np.float32]


class WordVectors:
    """The mean word-piece vector of a phrase, unit length; phrases are cached."""

    def __init__(self, table: npt.NDArray[np.float32], tokenizer: Any, cache_size: int = 50_000):
        self._table = table  # (pieces, dim)
        self._tokenizer = tokenizer  # a `tokenizers.Tokenizer`
        self._cache: LockedLRU[str, Vector] = LockedLRU(cache_size)

    def phrase(self, text: str) -> Vector | None:
        """The phrase's vector, or None where it has no word pieces."""
        key = text.lower()
        found = self._cache.get(key)
        if found is not None:
            return found if found.size else None
        ids = self._tokenizer.encode(key, add_special_tokens=False).ids
        vector: Vector = np.zeros(0, dtype=np.float32)  # "no vector", cached as such
        if ids:
            mean = self._table[ids].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            if norm > 0:
                vector = mean / norm
        self._cache.put(key, vector)
        return vector if vector.size else None

    def matrix(self, words: list[str]) -> npt.NDArray[np.float32]:
        """(n, dim): each word's vector, zeros where it has none."""
        rows = [self.phrase(w) for w in words]
        dim = self._table.shape[1]
        return (
            np.stack([r if r is not None else np.zeros(dim, np.float32) for r in rows])
            if rows
            else np.zeros((0, dim), np.float32)
        )

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two phrases' vectors (0 where either has none)."""
        va, vb = self.phrase(a), self.phrase(b)
        if va is None or vb is None:
            return 0.0
        return float(va @ vb)


def load_word_vectors(model_dir: str | Path) -> WordVectors | None:
    """The word-piece table of a local sentence-transformers model, or None (logged) where the
    folder holds no safetensors weights or tokenizer.json."""
    folder = Path(model_dir)
    weights, tokenizer_file = folder / "model.safetensors", folder / "tokenizer.json"
    if not weights.is_file() or not tokenizer_file.is_file():
        _log.info("no word-piece table in %s; the reader does without word vectors", folder)
        return None
    from safetensors import safe_open
    from tokenizers import Tokenizer

    with safe_open(str(weights), framework="np") as handle:
        names = [k for k in handle.keys() if k.endswith("word_embeddings.weight")]  # noqa: SIM118
        if not names:
            _log.info("%s has no word_embeddings table; no word vectors", weights)
            return None
        table = handle.get_tensor(names[0]).astype(np.float32)
    return WordVectors(table, Tokenizer.from_file(str(tokenizer_file)))
