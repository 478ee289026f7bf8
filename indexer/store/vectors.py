"""A generation's vectors: written as `vectors.npy` (plus a FAISS index for HNSW or IVF) and
searched by inner product.

Flat is exact: the memory-mapped vectors searched by `flat_index.ExactFlatIndex` (FAISS
`IndexFlatIP`'s results in a third of the time). HNSW (over float32 or 8-bit codes) and IVF are
FAISS indexes built at write time for collections too large to scan; "auto" (the default) picks
flat below AUTO_APPROXIMATE_FROM chunks and hnsw_sq8 from there. Filters arrive as the positions
they admit and select exactly, never by over-fetching and post-filtering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss as _faiss_module
import numpy as np
import numpy.typing as npt

from indexer.errors import IndexCorruptError
from indexer.protocols import FloatMatrix
from indexer.store.flat_index import ExactFlatIndex
from indexer.store.schema import FAISS_NAME, VECTORS_NAME

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
# The cheapest efSearch that keeps recall@10 >= 0.95 at 1M vectors (`newsqa bench scale`,
# bench/results/scale.json, hnsw32_sq8): 128 gave .877 there (.991 at 100k), 256 .944, 512 .970
# at p95 3.9 ms; at 100k 512 costs 2.5 ms of CPU a query against exact search's 12.
HNSW_EF_SEARCH = 512
# NEWSQA_FAISS_INDEX_TYPE=auto: exact search below this many chunks; from there HNSW over 8-bit
# scalar-quantised vectors (a quarter of float32's memory). Measured (scale.json and
# scale_store_exact.json): exact search costs 12 ms of CPU a query at 100k, as much as the rest
# of an answer, and 105 ms at 1M; below 100k the graph's price, a rebuild with every generation
# (90 s at 100k on two cores), outweighs what it saves a query.
AUTO_APPROXIMATE_FROM = 100_000
IVF_MIN_TRAIN_PER_LIST = 39  # faiss warns below this many training points per list
# faiss ships stubs that lag its SWIG API (keyword SearchParameters, SearchParametersHNSW).
_faiss: Any = _faiss_module


def effective_faiss_type(requested: str, count: int) -> str:
    """The index type built for `count` vectors when `requested` is asked for ("auto" decides
    by size)."""
    if requested == "auto":
        requested = "hnsw_sq8" if count >= AUTO_APPROXIMATE_FROM else "flat"
    # IVF needs enough vectors to train its lists; below that, exact search is cheap anyway.
    if requested == "ivf" and count < IVF_MIN_TRAIN_PER_LIST * 4:
        return "flat"
    if requested in ("hnsw", "hnsw_sq8") and count == 0:
        return "flat"
    return requested


def check_vectors(count: int, vectors: FloatMatrix, dimension: int) -> None:
    """ValueError unless `vectors` has `count` rows of `dimension` (any width where count is 0)."""
    if count != len(vectors):
        raise ValueError(f"{count} chunks but {len(vectors)} vectors")
    if count and vectors.shape[1] != dimension:
        raise ValueError(f"vectors have dimension {vectors.shape[1]}, not {dimension}")


def write_vectors(directory: Path, vectors: FloatMatrix, faiss_type: str) -> str:
    """Write (n, dim) float32 `vectors`, row i at position i, and the FAISS index a `faiss_type`
    search needs; returns the type actually built."""
    np.save(directory / VECTORS_NAME, vectors)
    built = effective_faiss_type(faiss_type, len(vectors))
    if built != "flat":  # graph and list indexes are rebuilt whole: neither removes cheaply
        _faiss.write_index(_build_faiss(built, vectors), str(directory / FAISS_NAME))
    return built


def read_vectors(directory: Path) -> FloatMatrix:
    """All vectors of a generation, (n, dim) float32, row i at position i."""
    return np.load(directory / VECTORS_NAME, allow_pickle=False)  # type: ignore[no-any-return]


def _ivf_lists(count: int) -> int:
    return max(1, min(int(4 * np.sqrt(count)), count // IVF_MIN_TRAIN_PER_LIST))


def _build_faiss(kind: str, vectors: FloatMatrix) -> Any:
    dim = vectors.shape[1]
    index: Any
    if kind == "flat":
        index = _faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = _faiss.IndexHNSWFlat(dim, HNSW_M, _faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "hnsw_sq8":  # the graph over one byte per dimension (trained per dimension)
        index = _faiss.IndexHNSWSQ(
            dim, _faiss.ScalarQuantizer.QT_8bit, HNSW_M, _faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.train(vectors)
    elif kind == "ivf":
        index = _faiss.IndexIVFFlat(
            _faiss.IndexFlatIP(dim), dim, _ivf_lists(len(vectors)), _faiss.METRIC_INNER_PRODUCT
        )
        index.train(vectors)
        index.make_direct_map()  # lets filtered searches fall back to exact over a subset
    else:
        raise ValueError(
            f"faiss_index_type must be flat, hnsw, hnsw_sq8 or ivf. Currently, it is {kind!r}"
        )
    if len(vectors):
        index.add(vectors)
    return index


class VectorIndex:
    """A generation's vectors opened for search (`open`); thread-safe."""

    def __init__(self, index: Any, kind: str, dimension: int) -> None:
        self._index = index  # ExactFlatIndex for "flat", else a FAISS index
        self._kind = kind
        self.dimension = dimension

    @classmethod
    def open(cls, directory: Path, kind: str, dimension: int) -> VectorIndex:
        """The vectors of generation `directory`, built as `kind` (the manifest's faiss_type).

        IndexCorruptError names the directory where they cannot be read.
        """
        vectors_path = directory / VECTORS_NAME
        try:
            if kind == "flat":
                # Memory-mapped: the workers serving one generation share its pages.
                vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
                if vectors.ndim != 2 or vectors.shape[1] != dimension:
                    raise IndexCorruptError(f"{vectors_path} has shape {vectors.shape}")
                if vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
                    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
                return cls(ExactFlatIndex(vectors), kind, dimension)
            index = _faiss.read_index(str(directory / FAISS_NAME))
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexCorruptError(f"{directory}: cannot read vectors: {exc}") from exc
        if kind in ("hnsw", "hnsw_sq8"):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        elif kind == "ivf":
            index.nprobe = max(8, index.nlist // 16)
        return cls(index, kind, dimension)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def search(
        self, query_vector: FloatMatrix, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """The k best (position, inner product), best first; `allowed` restricts the positions."""
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dimension:
            raise ValueError(f"query has dimension {query.shape[1]}, index has {self.dimension}")
        k = min(k, self.ntotal)
        if k <= 0:
            return []
        # One query gains nothing from OpenMP threads and loses much to their spinning on a
        # busy machine (32 ms vs 4 ms over 12k vectors); concurrency comes from requests.
        # The setting is per calling thread.
        _faiss.omp_set_num_threads(1)
        if allowed is None:
            scores, labels = self._index.search(query, k)
        else:
            if len(allowed) == 0:
                return []
            scores, labels = self._filtered_search(query, min(k, len(allowed)), allowed)
        return [(int(p), float(s)) for p, s in zip(labels[0], scores[0], strict=True) if p >= 0]

    def _filtered_search(
        self, query: FloatMatrix, k: int, allowed: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        if self._kind == "flat":
            found: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]] = self._index.search(
                query, k, allowed
            )
            return found
        selector = _faiss.IDSelectorBatch(allowed)
        if self._kind in ("hnsw", "hnsw_sq8"):
            params = _faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, 4 * k))
        else:
            params = _faiss.SearchParametersIVF(sel=selector, nprobe=self._index.nlist)
        scores, labels = self._index.search(query, k, params=params)
        if int((labels[0] >= 0).sum()) >= k:
            return scores, labels
        # A selective filter can starve a graph walk; the matching subset is small, so go exact.
        vectors = self._index.reconstruct_batch(allowed)
        exact = vectors @ query[0]
        order = np.argsort(-exact)[:k]
        return exact[order][None, :].astype(np.float32), allowed[order][None, :]
