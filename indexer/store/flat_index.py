"""Exact inner-product search, a third of the time of faiss's IndexFlatIP for one query.

faiss scans float32 vectors one query at a time at ~1.8 ms per 12k x 384 on this machine's
cores; its float16 scalar quantizer scans the same vectors in ~0.6 ms. Half precision moves
each score by at most 2^-11 |q| |v| (plus float32 summation error), so every vector whose
approximate score lies within twice that bound of the k-th best approximate score is a
candidate, the true top k are certainly among them, and rescoring those few dozen candidates
in float32 gives exactly IndexFlatIP's results.
"""

from __future__ import annotations

from typing import Any

import faiss as _faiss_module
import numpy as np
import numpy.typing as npt

from indexer.protocols import FloatMatrix

_faiss: Any = _faiss_module  # faiss's stubs lag its SWIG API (SearchParameters(sel=...))
_FP16_RELATIVE_ERROR = 2.0**-11  # half precision's unit roundoff
# Absolute slack: float32 summation over a few hundred dimensions, and components below
# half precision's smallest normal, each stay far below this.
_ABSOLUTE_SLACK = 1e-4


class ExactFlatIndex:
    """Inner-product top k over `vectors` (kept as given, e.g. memory-mapped); thread-safe."""

    def __init__(self, vectors: npt.NDArray[np.float32]) -> None:
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a matrix. Currently, shape is {vectors.shape}")
        self._vectors = np.asarray(vectors)  # a plain view: np.memmap indexing is slower
        self._max_norm = float(np.linalg.norm(vectors, axis=1).max()) if len(vectors) else 0.0
        self._coarse = _faiss.IndexScalarQuantizer(
            vectors.shape[1], _faiss.ScalarQuantizer.QT_fp16, _faiss.METRIC_INNER_PRODUCT
        )
        if len(vectors):
            self._coarse.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @property
    def ntotal(self) -> int:
        return len(self._vectors)

    def search(
        self, query: FloatMatrix, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """(1, k) scores and positions, best first (ties to the lower position), as faiss does.

        `allowed` restricts the search to those positions. Fewer than k where fewer exist.
        """
        vector = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        available = self.ntotal if allowed is None else len(allowed)
        k = min(k, available)
        if k <= 0:
            return np.zeros((1, 0), dtype=np.float32), np.zeros((1, 0), dtype=np.int64)
        margin = 2 * (_FP16_RELATIVE_ERROR * float(np.linalg.norm(vector)) * self._max_norm)
        margin += 2 * _ABSOLUTE_SLACK
        params = None
        if allowed is not None:
            # A bitmap is one bit test per vector; IDSelectorBatch hashes the whole list first.
            # The selector points into `bitmap`, which this frame keeps alive while it searches.
            admitted = np.zeros(self.ntotal, dtype=bool)
            admitted[allowed] = True
            bitmap = np.packbits(admitted, bitorder="little")
            params = _faiss.SearchParameters(
                sel=_faiss.IDSelectorBitmap(self.ntotal, _faiss.swig_ptr(bitmap))
            )
        fetch = min(available, max(2 * k, k + 32))
        while True:
            approximate, labels = self._coarse.search(vector, fetch, params=params)
            found = labels[0] >= 0
            approximate, positions = approximate[0][found], labels[0][found]
            if len(positions) < k:  # allowed named positions this index does not hold
                k = len(positions)
                if k == 0:
                    return np.zeros((1, 0), dtype=np.float32), np.zeros((1, 0), dtype=np.int64)
            floor = approximate[k - 1] - margin
            # Everything within the margin of the k-th score must be seen: fetch deeper while
            # the deepest fetched score is still above the floor and more vectors remain.
            if fetch >= available or approximate[-1] < floor:
                break
            fetch = min(available, 2 * fetch)
        candidates = positions[approximate >= floor]
        exact = self._vectors[candidates] @ vector[0]
        order = np.lexsort((candidates, -exact))[:k]
        return exact[order][None, :].astype(np.float32), candidates[order][None, :]
