"""The candidate ranker: a linear model or a small ensemble of regression trees over features.

Fitted by `newsqa eval calibrate fit` (scikit-learn's logistic regression, or its histogram
gradient boosting followed by LightGBM's LambdaRank) and stored as plain numbers in
calibration.json, so that the service evaluates it with numpy alone: no scikit-learn or LightGBM
import, no pickles. An ensemble of 400 trees of depth <= 6 scores a question's ~130 candidates
in about a millisecond (one pass per tree level over all trees at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearRanker:
    """A logit as a weighted sum of named features."""

    weights: Mapping[str, float]
    bias: float

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def scores(self, matrix: Matrix) -> Matrix:
        """(n,) logits for an (n, len(features)) matrix."""
        result: Matrix = matrix @ np.array(list(self.weights.values())) + self.bias
        return result

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "linear", "weights": dict(self.weights), "bias": self.bias}


@dataclass(frozen=True)
class TreeRanker:
    """Gradient-boosted regression trees over `features`; a logit is the baseline plus one leaf
    value per tree. Trees are stacked: arrays are (trees, nodes), padded with leaves."""

    features: tuple[str, ...]
    baseline: float
    feature: npt.NDArray[np.int64]  # (trees, nodes) split feature; unused at leaves
    threshold: Matrix  # (trees, nodes) go left where value <= threshold
    left: npt.NDArray[np.int64]  # (trees, nodes) child indices; leaves point at themselves
    right: npt.NDArray[np.int64]
    value: Matrix  # (trees, nodes) leaf values
    depth: int  # the deepest leaf
    _roots: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _flat_feature: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _flat_threshold: Matrix = field(init=False, repr=False, compare=False)
    _flat_children: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _flat_value: Matrix = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Flat copies, node ids offset by tree, so that each level is a few 1-D takes rather
        # than 2-D fancy indexing (which cost ~1 ms a question over ~60 candidates). A node's
        # children sit side by side (2 * node: left, + 1: right), so that one take finds the
        # next node where a take from each side and a select did (0.74 -> 0.52 ms for ~320
        # trees over ~50 candidates).
        trees, width = self.feature.shape
        offset = (np.arange(trees) * width)[:, None]
        children = np.stack([(self.left + offset).ravel(), (self.right + offset).ravel()], 1)
        object.__setattr__(self, "_roots", offset[:, 0].copy())
        object.__setattr__(self, "_flat_feature", self.feature.ravel())
        object.__setattr__(self, "_flat_threshold", self.threshold.ravel())
        object.__setattr__(self, "_flat_children", children.ravel())
        object.__setattr__(self, "_flat_value", self.value.ravel())

    def scores(self, matrix: Matrix) -> Matrix:
        """(n,) logits for an (n, len(features)) matrix."""
        n, columns = matrix.shape
        node = np.tile(self._roots, (n, 1))  # (n, trees) flat node ids
        row_start = (np.arange(n) * columns)[:, None]
        values = np.ascontiguousarray(matrix).ravel()
        for _ in range(self.depth):
            go_right = values[row_start + self._flat_feature[node]] > self._flat_threshold[node]
            node = self._flat_children[2 * node + go_right]
        result: Matrix = self.baseline + self._flat_value[node].sum(axis=1)
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "trees",
            "features": list(self.features),
            "baseline": self.baseline,
            "depth": self.depth,
            "trees": [
                {
                    "feature": self.feature[t].tolist(),
                    "threshold": [round(float(x), 9) for x in self.threshold[t]],
                    "left": self.left[t].tolist(),
                    "right": self.right[t].tolist(),
                    "value": [round(float(x), 9) for x in self.value[t]],
                }
                for t in range(self.feature.shape[0])
            ],
        }

    @classmethod
    def from_trees(
        cls, features: Sequence[str], baseline: float, trees: Sequence[Mapping[str, Any]]
    ) -> TreeRanker:
        """Stacks per-tree node lists (each: feature, threshold, left, right, value; a leaf has
        left == right == its own index) into padded arrays."""
        width = max(len(t["value"]) for t in trees)
        count = len(trees)
        feature = np.zeros((count, width), dtype=np.int64)
        threshold = np.zeros((count, width))
        left = np.tile(np.arange(width), (count, 1))
        right = left.copy()
        value = np.zeros((count, width))
        for i, tree in enumerate(trees):
            size = len(tree["value"])
            feature[i, :size] = tree["feature"]
            threshold[i, :size] = tree["threshold"]
            left[i, :size] = tree["left"]
            right[i, :size] = tree["right"]
            value[i, :size] = tree["value"]
        return cls(
            tuple(features), float(baseline), feature, threshold, left, right, value,
            depth=_depth(left, right),
        )  # fmt: skip


def _depth(left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]) -> int:
    """Steps from the root to the deepest leaf, over all trees."""
    deepest = 0
    for tree in range(left.shape[0]):
        stack = [(0, 0)]
        while stack:
            node, depth = stack.pop()
            children = {int(left[tree, node]), int(right[tree, node])} - {node}
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


Ranker = LinearRanker | TreeRanker


def ranker_from_dict(data: Mapping[str, Any]) -> Ranker:
    """A ranker from calibration.json's "ranker" object."""
    if data["kind"] == "linear":
        return LinearRanker({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]))
    if data["kind"] == "trees":
        return TreeRanker.from_trees(data["features"], data["baseline"], data["trees"])
    raise ValueError(f"unknown ranker kind {data['kind']!r}")


def feature_matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> Matrix:
    """(n, len(features)): each row's named features, 0 where a row lacks one."""
    return np.array([[row.get(name, 0.0) for name in features] for row in rows], dtype=np.float64)
