"""Fusing ranked lists (reciprocal rank fusion, normalised score fusion) and MMR re-ranking.

Pure functions over item keys (chunk ids), so they know nothing of the index.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, TypeVar

K = TypeVar("K", bound=Hashable)
Normalisation = Literal["minmax", "zscore"]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], *, k: int = 60, weights: Sequence[float] | None = None
) -> dict[K, float]:
    """sum over lists of weight / (k + rank), rank 1-based (Cormack et al., SIGIR 2009)."""
    if k < 1:
        raise ValueError(f"rrf k must be at least 1. Currently, k is {k}")
    weights = _weights(weights, len(rankings))
    fused: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def normalise(scores: Sequence[float], method: Normalisation = "minmax") -> list[float]:
    """Scores of one leg mapped to a comparable scale; a constant leg maps to all ones."""
    if not scores:
        return []
    if method == "minmax":
        low, high = min(scores), max(scores)
        if high - low <= 1e-12:
            return [1.0] * len(scores)
        return [(s - low) / (high - low) for s in scores]
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    if std <= 1e-12:
        return [0.0] * len(scores)
    return [(s - mean) / std for s in scores]


def score_fusion(
    legs: Sequence[Sequence[tuple[K, float]]],
    *,
    weights: Sequence[float] | None = None,
    method: Normalisation = "minmax",
    complete: Sequence[bool] | None = None,
) -> dict[K, float]:
    """Weighted sum of per-leg normalised scores (higher is better).

    An item missing from a leg counts as that leg's lowest normalised score: it was not among
    the leg's candidates, so it scored at most that. A `complete` leg is one that returned
    every item it scores above zero (bm25 over every chunk holding a word of the query): an
    item missing from it scored exactly zero, and is normalised with the rest. Otherwise a
    leg of one hit normalises to a constant, and the only chunk that names a rare name ("Who
    is JD Vance?") gains nothing over those that do not.
    """
    weights = _weights(weights, len(legs))
    keys: dict[K, None] = {key: None for leg in legs for key, _ in leg}
    normalised: list[dict[K, float]] = []
    floors: list[float] = []
    for leg, whole in zip(legs, complete or [False] * len(legs), strict=True):
        scored = dict(leg)
        if whole:
            scored = {key: scored.get(key, 0.0) for key in keys}
        values = normalise(list(scored.values()), method)
        normalised.append(dict(zip(scored, values, strict=True)))
        floors.append(min(values, default=0.0))
    return {
        key: sum(
            weight * leg_scores.get(key, floor)
            for leg_scores, weight, floor in zip(normalised, weights, floors, strict=True)
        )
        for key in keys
    }


def mmr(
    candidates: Sequence[K],
    relevance: Mapping[K, float],
    similarity: Callable[[K, K], float],
    *,
    lambda_: float,
    k: int,
) -> list[K]:
    """Maximal marginal relevance (Carbonell & Goldstein 1998): greedy, relevance min-max scaled.

    lambda_ = 1 keeps the relevance order; lower values trade relevance for novelty.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"mmr lambda must be within [0, 1]. Currently, it is {lambda_}")
    pool = list(candidates)
    scaled = dict(zip(pool, normalise([relevance[key] for key in pool]), strict=True))
    chosen: list[K] = []
    # Greatest similarity of each remaining candidate to anything chosen so far.
    nearest = dict.fromkeys(pool, 0.0)
    while pool and len(chosen) < k:
        best = max(pool, key=lambda key: lambda_ * scaled[key] - (1 - lambda_) * nearest[key])
        chosen.append(best)
        pool.remove(best)
        for key in pool:
            nearest[key] = max(nearest[key], similarity(key, best))
    return chosen


def _weights(weights: Sequence[float] | None, count: int) -> Sequence[float]:
    if weights is None:
        return [1.0] * count
    if len(weights) != count:
        raise ValueError(f"expected {count} weights, got {len(weights)}")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must not be negative. Currently, they are {list(weights)}")
    return weights
