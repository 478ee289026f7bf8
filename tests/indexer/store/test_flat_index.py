"""Exact top k from a half-precision first pass: the same results as faiss's IndexFlatIP."""

from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from indexer.store.flat_index import ExactFlatIndex


def _vectors(count: int, dim: int, seed: int) -> npt.NDArray[np.float32]:
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _assert_exact_top_k(
    vectors: npt.NDArray[np.float32],
    query: npt.NDArray[np.float32],
    k: int,
    labels: npt.NDArray[np.int64],
    allowed: npt.NDArray[np.int64] | None = None,
) -> None:
    """The returned positions are k of the best by exact (float64) score, best first."""
    pool = np.arange(len(vectors)) if allowed is None else np.unique(allowed)
    exact = vectors[pool].astype(np.float64) @ query.astype(np.float64)
    got = labels[0]
    assert len(got) == min(k, len(pool)) and len(set(got.tolist())) == len(got)
    assert set(got.tolist()) <= set(pool.tolist())
    got_scores = vectors[got].astype(np.float64) @ query.astype(np.float64)
    assert np.all(np.diff(got_scores) <= 1e-6)  # best first
    left_out = np.setdiff1d(pool, got)
    if len(left_out) and len(got):
        best_left_out = (vectors[left_out].astype(np.float64) @ query.astype(np.float64)).max()
        assert got_scores.min() >= best_left_out - 1e-6
    assert len(exact) >= len(got)


@pytest.mark.parametrize("k", [1, 10, 50, 500, 3000])
def test_results_are_the_exact_top_k(k: int) -> None:
    vectors = _vectors(2000, 48, seed=1)
    index = ExactFlatIndex(vectors)
    reference = faiss.IndexFlatIP(48)
    reference.add(vectors)
    for query in _vectors(20, 48, seed=2):
        scores, labels = index.search(query, k)
        _assert_exact_top_k(vectors, query, k, labels)
        want_scores, _ = reference.search(query[None, :], min(k, 2000))
        np.testing.assert_allclose(scores[0], want_scores[0], atol=1e-5)


def test_crowded_scores_are_still_ranked_exactly() -> None:
    """Thousands of vectors within half precision's error of each other: the first pass
    cannot order them, so the search must fetch deeper and rescore."""
    base = _vectors(1, 64, seed=3)[0]
    noise = np.random.default_rng(4).standard_normal((3000, 64)).astype(np.float32) * 1e-4
    vectors = (base + noise).astype(np.float32)
    index = ExactFlatIndex(vectors)
    for k in (1, 20, 100):
        _, labels = index.search(base, k)
        _assert_exact_top_k(vectors, base, k, labels)


def test_unnormalised_queries_and_vectors() -> None:
    vectors = _vectors(500, 16, seed=5) * np.linspace(0.1, 30.0, 500, dtype=np.float32)[:, None]
    index = ExactFlatIndex(vectors.astype(np.float32))
    query = _vectors(1, 16, seed=6)[0] * 40.0
    _, labels = index.search(query, 25)
    _assert_exact_top_k(vectors, query, 25, labels)


def test_allowed_positions_restrict_the_search() -> None:
    vectors = _vectors(1000, 32, seed=7)
    index = ExactFlatIndex(vectors)
    query = _vectors(1, 32, seed=8)[0]
    allowed = np.array([5, 17, 400, 999, 3, 250], dtype=np.int64)
    _, labels = index.search(query, 4, allowed)
    _assert_exact_top_k(vectors, query, 4, labels, allowed)
    _, labels = index.search(query, 10, allowed)
    assert sorted(labels[0].tolist()) == sorted(allowed.tolist())
    scores, labels = index.search(query, 5, np.array([], dtype=np.int64))
    assert scores.shape == labels.shape == (1, 0)


def test_ties_go_to_the_lower_position() -> None:
    vectors = np.tile(_vectors(1, 8, seed=9), (6, 1))
    _, labels = ExactFlatIndex(vectors).search(vectors[0], 3)
    assert labels[0].tolist() == [0, 1, 2]


def test_an_empty_index_finds_nothing() -> None:
    index = ExactFlatIndex(np.zeros((0, 8), dtype=np.float32))
    assert index.ntotal == 0
    scores, labels = index.search(np.ones(8, dtype=np.float32), 5)
    assert scores.shape == labels.shape == (1, 0)
    with pytest.raises(ValueError, match="matrix"):
        ExactFlatIndex(np.zeros(8, dtype=np.float32))  # type: ignore[arg-type]
