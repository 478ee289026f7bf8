"""The fitted candidate ranker: trees exported from scikit-learn score as scikit-learn does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.fitting import QuestionCandidates, fit_confidence, fit_ranker
from service.reading.ranker import TreeRanker, feature_matrix, ranker_from_dict


def _questions(seed: int, count: int) -> list[QuestionCandidates]:
    rng = np.random.default_rng(seed)
    questions = []
    for q in range(count):
        rows = [{"dense": float(rng.random()), "keyword": float(rng.random())} for _ in range(6)]
        # Right where both features are high, with noise: the trees must split on both.
        right = [r["dense"] + r["keyword"] + 0.3 * rng.standard_normal() > 1.2 for r in rows]
        questions.append(QuestionCandidates(f"q{q}", rows, right))
    return questions


def test_exported_trees_score_unseen_rows_as_scikit_learn() -> None:
    features = ["dense", "keyword"]
    ranker = fit_ranker(_questions(0, 300), features)
    assert isinstance(ranker, TreeRanker) and ranker.depth >= 2
    # Round-trip through calibration.json's form, then score rows the fit never saw, one at a
    # time and as a batch: the flattened evaluation must give the same logits either way.
    stored = ranker_from_dict(json.loads(json.dumps(ranker.to_dict())))
    unseen = feature_matrix([f for q in _questions(1, 40) for f in q.features], features)
    batch = stored.scores(unseen)
    singles = np.array([stored.scores(unseen[i : i + 1])[0] for i in range(len(unseen))])
    np.testing.assert_allclose(batch, singles)
    np.testing.assert_allclose(batch, ranker.scores(unseen), atol=1e-5)
    # Higher on both features must score higher (monotone in both).
    low, high = stored.scores(np.array([[0.1, 0.1], [0.9, 0.9]]))
    assert high > low


def test_a_hand_built_tree_routes_each_row_to_its_leaf() -> None:
    # One stump on feature 1 (go left where <= 0.5) and one two-level tree on feature 0.
    trees = [
        {"feature": [1, 0, 0], "threshold": [0.5, 0, 0], "left": [1, 1, 2],
         "right": [2, 1, 2], "value": [0, -1.0, 1.0]},
        {"feature": [0, 0, 0, 0, 0], "threshold": [0.3, 0.1, 0, 0, 0], "left": [1, 3, 2, 3, 4],
         "right": [2, 4, 2, 3, 4], "value": [0, 0, 5.0, 10.0, 20.0]},
    ]  # fmt: skip
    ranker = TreeRanker.from_trees(["a", "b"], 0.5, trees)
    assert ranker.depth == 2
    rows = np.array([[0.05, 0.2], [0.2, 0.9], [0.9, 0.4]])
    np.testing.assert_allclose(ranker.scores(rows), [0.5 - 1 + 10, 0.5 + 1 + 20, 0.5 - 1 + 5])


def test_a_confidence_row_weighing_two_counts_as_two_rows() -> None:
    rng = np.random.default_rng(3)
    rows = [{"top": float(rng.random())} for _ in range(200)]
    right = [r["top"] + 0.3 * rng.standard_normal() > 0.5 for r in rows]
    weights = [2.0 if i % 4 == 0 else 1.0 for i in range(len(rows))]
    weighted = fit_confidence(rows, right, ["top"], isotonic=False, weights=weights)
    repeated = [i for i in range(len(rows)) for _ in range(int(weights[i]))]
    doubled = fit_confidence(
        [rows[i] for i in repeated], [right[i] for i in repeated], ["top"], isotonic=False
    )
    assert weighted.weights["top"] == pytest.approx(doubled.weights["top"], rel=1e-3)
    assert weighted.bias == pytest.approx(doubled.bias, rel=1e-3)
    plain = fit_confidence(rows, right, ["top"], isotonic=False)
    assert plain.weights["top"] != pytest.approx(weighted.weights["top"], rel=1e-3)
