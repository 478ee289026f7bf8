"""The vectors `newsqa bench scale` searches: real chunk embeddings, grown by perturbation.

A real index holds ~12k chunk vectors; 100k and 1M are made from them by adding seeded Gaussian
noise to a randomly chosen real vector and re-normalising, scaled so that a copy keeps a cosine
of about COPY_COSINE with its source. Recall measured on this data says more than seeded random
unit vectors would: those have no neighbourhood structure at all (every point is about equally
far from every other), which no text corpus looks like. The queries are real questions embedded
by the same model, and the exact top-10 of each is the reference for recall.

How far copies stray matters. At cosine 0.9, 1M vectors are ~84 tight copies of each real chunk:
a question's exact top 10 were all copies of one chunk (median), 10th and 11th apart by 0.0009,
so recall measured only how an index breaks near-ties (HNSW reached 0.82-0.87), which no archive
asks of it. At 0.7 the top 10 come from several chunks (5, median) as in a real archive, where
every neighbour is another story; `neighbour_structure` reports this for each run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
COPY_COSINE = 0.7  # expected cosine of a perturbed copy to the real vector it came from
GROUND_TRUTH_K = 10
_BLOCK = 65_536  # rows per matmul block when computing exact neighbours


def real_vectors(index_dir: Path) -> Matrix:
    """The live generation's chunk vectors, (n, dim) float32, from its vectors.npy."""
    from indexer.store.generations import current_generation_dir

    vectors = np.load(current_generation_dir(index_dir) / "vectors.npy", allow_pickle=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def grow(base: Matrix, n: int, seed: int, path: Path) -> Matrix:
    """n unit vectors at `path` (a memory-mapped .npy): the base first, then perturbed copies."""
    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    # |v + s*g|: with g ~ N(0, I/dim), cos(v, v + s*g) ~ 1 / sqrt(1 + s^2).
    scale = float(np.sqrt(1.0 / COPY_COSINE**2 - 1.0))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, dim))
    head = min(n, len(base))
    out[:head] = base[:head]
    for start in range(head, n, _BLOCK):
        stop = min(n, start + _BLOCK)
        sources = base[rng.integers(0, len(base), stop - start)]
        noise = rng.standard_normal((stop - start, dim), dtype=np.float32) * (scale / np.sqrt(dim))
        block = sources + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    out.flush()
    return np.load(path, mmap_mode="r", allow_pickle=False)  # type: ignore[no-any-return]


def question_vectors(questions: Path, limit: int, cache: Path) -> Matrix:
    """The first `limit` questions of a JSONL file embedded by the query encoder, cached."""
    if cache.exists():
        cached = np.load(cache, allow_pickle=False)
        if len(cached) == limit:
            return cached  # type: ignore[no-any-return]
    from indexer.embedding.query_embedder import load_query_embedder

    texts: list[str] = []
    with questions.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                texts.append(str(json.loads(line)["question"]))
            if len(texts) >= limit:
                break
    embedder = load_query_embedder("all-MiniLM-L6-v2", 64)
    # One batched call: the same vectors as one query at a time, within float noise.
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    np.save(cache, vectors)
    return vectors


def exact_neighbours(
    data: Matrix, queries: Matrix, k: int = GROUND_TRUTH_K
) -> npt.NDArray[np.int64]:
    """(queries, k) ids of the exact top-k by inner product, read block by block."""
    best_ids = np.full((len(queries), k), -1, dtype=np.int64)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for start in range(0, len(data), _BLOCK):
        block = np.asarray(data[start : start + _BLOCK], dtype=np.float32)
        scores = queries @ block.T  # (q, block)
        ids = np.broadcast_to(np.arange(start, start + len(block)), scores.shape)
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        merged_ids = np.concatenate([best_ids, ids], axis=1)
        top = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, top, axis=1)
        best_ids = np.take_along_axis(merged_ids, top, axis=1)
    order = np.argsort(-best_scores, axis=1)
    return np.take_along_axis(best_ids, order, axis=1)


def recall_at_k(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> float:
    """Mean share of each query's exact top-k that the search returned in its top-k."""
    k = int(truth.shape[1])
    hits = 0
    for row, ref in zip(found.tolist(), truth.tolist(), strict=True):
        hits += len(set(row[:k]) & set(ref))
    return hits / (k * len(truth))


def neighbour_structure(
    data: Matrix, queries: Matrix, truth: npt.NDArray[np.int64], real: int
) -> dict[str, float]:
    """How crowded the space is around the queries (medians): the cosine of the 1st and 10th
    exact neighbour, and from how many distinct real chunks the top 10 were grown."""
    first = np.einsum("ij,ij->i", queries, np.asarray(data[truth[:, 0]]))
    tenth = np.einsum("ij,ij->i", queries, np.asarray(data[truth[:, -1]]))
    base = np.asarray(data[:real])
    neighbours = np.asarray(data[truth.ravel()]) @ base.T  # each neighbour against the real ones
    sources = np.argmax(neighbours, axis=1).reshape(truth.shape)
    distinct = [len(set(row.tolist())) for row in sources]
    return {
        "top1_cosine": float(np.median(first).item()),
        "top10_cosine": float(np.median(tenth).item()),
        "distinct_sources_in_top10": float(np.median(distinct).item()),
    }
