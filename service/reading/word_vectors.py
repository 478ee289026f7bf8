"""Context-free word vectors: the embedding model's own word-piece table, read from its files.

Meaning beyond shared words, at the cost of a table lookup. "Which animal ...?" should prefer
"cows" to "China", and "livestock" is nearer "cows" than "H5N1"; "boss" is near "executive".
Running the model on every candidate would say so better, but costs ~10 ms a call on two
cores; the input embedding layer of all-MiniLM-L6-v2 (30,522 pieces x 384 float32:
47 MB) says enough of it for a ranker feature, and needs no model call at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
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
        if found is None:
            found = self._vectors([key])[0]
        return found if found.size else None

    def prefetch(self, phrases: Iterable[str]) -> None:
        """Puts the vectors of every phrase not yet cached in the cache, in one tokenizer call:
        a reader that knows all of a question's phrases up front pays one call, not dozens."""
        keys = {p.lower() for p in phrases}
        missing = [k for k in keys if self._cache.get(k) is None]
        if missing:
            self._vectors(missing)

    def _vectors(self, keys: list[str]) -> list[Vector]:
        """Vectors of lower-cased phrases not in the cache, tokenized in one call and cached
        (an empty vector for a phrase without word pieces)."""
        encodings = self._tokenizer.encode_batch(keys, add_special_tokens=False)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        empty: Vector = np.zeros(0, dtype=np.float32)  # "no vector", cached as such
        out = [empty] * len(keys)
        if lengths.any():
            # One gather for every phrase's pieces; each mean is then a sum over its own rows
            # (the same float32 sums as the table lookup per phrase gave).
            ids = np.fromiter((i for e in encodings for i in e.ids), np.int64, int(lengths.sum()))
            rows = self._table[ids]
            ends = np.cumsum(lengths)
            for i, (end, length) in enumerate(zip(ends.tolist(), lengths.tolist(), strict=True)):
                if length:
                    mean = rows[end - length : end].sum(axis=0) / np.float32(length)
                    norm = float(np.linalg.norm(mean))
                    if norm > 0:
                        out[i] = mean / norm
        for key, vector in zip(keys, out, strict=True):
            self._cache.put(key, vector)
        return out

    def matrix(self, words: list[str]) -> npt.NDArray[np.float32]:
        """(n, dim): each word's vector, zeros where it has none."""
        dim = self._table.shape[1]
        if not words:
            return np.zeros((0, dim), np.float32)
        keys = [w.lower() for w in words]
        found = {k: v for k in set(keys) if (v := self._cache.get(k)) is not None}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            found.update(zip(missing, self._vectors(missing), strict=True))
        zero = np.zeros(dim, np.float32)
        return np.stack([found[k] if found[k].size else zero for k in keys])

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
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    # The model's tokenizer.json pads and truncates every text to 128 pieces for the encoder;
    # a phrase's vector is the mean of its own pieces only, so both are turned off here.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return WordVectors(table, tokenizer)
