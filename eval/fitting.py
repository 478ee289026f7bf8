"""Fitting the reader's parameters: the candidate ranker, the verdict model, the confidence maps.

Pure functions over rows the caller collected (eval/calibrate.py reads the questions and their
retrieved passages). Everything is scored with `eval.metrics`, the rules eval reports with.
Confidence rows come from cross-fitted models (each question scored by a model that did not
see it), so that a map learns how often an answer is right on questions the ranker has not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from service.reading.calibration import ConfidenceMap, VerdictModel
from service.reading.ranker import LinearRanker, Ranker, TreeRanker, feature_matrix

Row = Mapping[str, float]

# Features of which more can only make a candidate likelier (+1), or less likely (-1): the
# trees may not learn otherwise. Without it they found that a sentence sharing no word with
# the question, ranked first, beats the sentence that names what is asked (an artefact of
# which sentences retrieval brings back), and answered small questions from the wrong passage.
MONOTONE = {
    "dense": 1,
    "keyword": 1,
    "sentence_rank": 1,
    "hit_rank": 1,
    "type_fit": 1,
    "proximity": 1,
    "role": 1,
    "near_terms": 1,
    "head_near": 1,
    "focus": 1,
    "focus_passage": 1,
    "support": 1,
    "soft": 1,
    "head_sim": 1,
    "date_fit": 1,
    "overlap": -1,
    "echo": -1,
    "level_match": 1,
    "level_clash": -1,
    "rare_focus_missing": -1,
}


@dataclass(frozen=True)
class QuestionCandidates:
    """One question's candidates: their features and whether each is right (exact match)."""

    key: str
    features: Sequence[Row]
    right: Sequence[bool]
    weight: float = 1.0  # how many questions this one counts as in fitting


# The pointwise trees (scikit-learn): how likely each candidate is right, over all questions.
POINTWISE_PARAMS: dict[str, Any] = {
    "max_iter": 200,
    "max_depth": 6,
    "learning_rate": 0.05,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "random_state": 0,
}
# LambdaRank's trees (LightGBM) on top: chosen by held-out top-1 and gold-removed abstention
# on the fit questions (3-fold; 50/100/200 rounds: top-1 .458/.463/.467).
RANKING_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    # Only the order near the top matters: the answer is the first candidate.
    "lambdarank_truncation_level": 10,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "max_depth": 6,
    "min_data_in_leaf": 40,
    "lambda_l2": 1.0,
    # The same trees on every machine and every run (calibration.json is committed).
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "seed": 0,
    "verbose": -1,
}
RANKING_ROUNDS = 200


def fit_ranker(
    questions: Sequence[QuestionCandidates], features: Sequence[str], *, trees: bool = True
) -> Ranker:
    """Boosted trees in two stages, or a logistic regression on candidate correctness.

    First, pointwise trees learn whether a candidate is right, over all candidates at once.
    Then LambdaRank trees, boosted from those scores, learn the order within each question:
    a candidate needs only beat its own question's others, which is what answering asks. The
    sum keeps the first stage's sense of how good an answer is (the confidence map reads it,
    and a question whose gold is gone must still score low) while the second sorts the top.
    Held-out top-1 (3-fold, `newsqa eval calibrate fit` before the rarity features):
    pointwise .454, LambdaRank alone .466, both .463. LambdaRank alone gave its best
    candidates high scores with or without gold: the gold-removed MultiHop-RAG fit questions
    were abstained on 55% of the time, against 75% with both stages.
    """
    questions = [q for q in questions if q.features]
    rows = [f for q in questions for f in q.features]
    labels = np.array([r for q in questions for r in q.right], dtype=int)
    counts = np.array([q.weight for q in questions for _ in q.right], dtype=np.float64)
    matrix = feature_matrix(rows, features)
    if not trees:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        model = LogisticRegression(C=1.0, max_iter=3000)
        model.fit(matrix, labels, sample_weight=counts)
        weights = {n: float(w) for n, w in zip(features, model.coef_[0], strict=True)}
        return LinearRanker(weights, float(model.intercept_[0]))
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    monotone = [MONOTONE.get(name, 0) for name in features]
    pointwise = HistGradientBoostingClassifier(**POINTWISE_PARAMS, monotonic_cst=monotone)
    pointwise.fit(matrix, labels, sample_weight=counts)
    first = pointwise.decision_function(matrix)

    import lightgbm

    data = lightgbm.Dataset(
        matrix,
        labels,
        group=[len(q.features) for q in questions],
        weight=counts,
        init_score=first,
    )
    params = dict(RANKING_PARAMS, monotone_constraints=monotone)
    ranking = lightgbm.train(params, data, num_boost_round=RANKING_ROUNDS)
    baseline, first_trees = sklearn_trees(pointwise)
    ranker = TreeRanker.from_trees(features, baseline, first_trees + lightgbm_trees(ranking))
    # The numpy evaluation must score exactly as the two libraries do together.
    expected = first[:500] + ranking.predict(matrix[:500])
    if not np.allclose(ranker.scores(matrix[:500]), expected, atol=1e-6):
        raise AssertionError("exported trees disagree with scikit-learn and LightGBM")
    return ranker


def sklearn_trees(model: Any) -> tuple[float, list[dict[str, list[Any]]]]:
    """A fitted HistGradientBoostingClassifier's baseline logit and trees as node lists
    (binary: one tree per round; a leaf points at itself)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        index = np.arange(len(nodes))
        trees.append(
            {
                "feature": np.where(leaf, 0, nodes["feature_idx"]).tolist(),
                "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),
                "left": np.where(leaf, index, nodes["left"]).tolist(),
                "right": np.where(leaf, index, nodes["right"]).tolist(),
                "value": np.where(leaf, nodes["value"], 0.0).tolist(),
            }
        )
    return float(np.ravel(model._baseline_prediction)[0]), trees


def lightgbm_trees(booster: Any) -> list[dict[str, list[Any]]]:
    """A trained LightGBM booster's trees as node lists (its score: one leaf per tree)."""
    return [_tree_nodes(tree["tree_structure"]) for tree in booster.dump_model()["tree_info"]]


def _tree_nodes(root: Mapping[str, Any]) -> dict[str, list[Any]]:
    """One dumped LightGBM tree as node lists, root first; a leaf points at itself."""
    columns = ("feature", "threshold", "left", "right", "value")
    nodes: dict[str, list[Any]] = {name: [] for name in columns}

    def visit(node: Mapping[str, Any]) -> int:
        index = len(nodes["value"])
        for column in nodes.values():
            column.append(0)
        if "leaf_value" in node:
            nodes["left"][index] = nodes["right"][index] = index
            nodes["value"][index] = float(node["leaf_value"])
            return index
        # Numeric splits only ("<=" goes left); features are never missing.
        if node["decision_type"] != "<=" or node.get("missing_type") == "Zero":
            raise ValueError(f"cannot export a {node['decision_type']!r} split")
        nodes["feature"][index] = int(node["split_feature"])
        nodes["threshold"][index] = float(node["threshold"])
        nodes["left"][index] = visit(node["left_child"])
        nodes["right"][index] = visit(node["right_child"])
        return index

    visit(root)
    return nodes


def folds(keys: Sequence[str], k: int) -> list[int]:
    """A fold number per question, from its key (stable across runs)."""
    import hashlib

    return [int(hashlib.sha256(key.encode()).hexdigest(), 16) % k for key in keys]


@dataclass(frozen=True)
class FoldRankers:
    """Rankers fitted each without one fold of the questions: a question is scored by the one
    that never saw it (by its key, so that a copy of a question asked of another index, such
    as the gold-removed sets, is scored by the same one)."""

    rankers: Sequence[Ranker]

    def scores(self, key: str, features: Sequence[Row]) -> list[float]:
        if not features:
            return []
        ranker = self.rankers[folds([key], len(self.rankers))[0]]
        return [float(s) for s in ranker.scores(feature_matrix(features, ranker.features))]


def fold_rankers(
    questions: Sequence[QuestionCandidates],
    fit: Callable[[Sequence[QuestionCandidates]], Ranker],
    k: int = 3,
) -> FoldRankers:
    """k rankers, each fitted on the questions outside one fold."""
    fold_of = folds([q.key for q in questions], k)
    outside = [
        [q for q, f in zip(questions, fold_of, strict=True) if f != fold] for fold in range(k)
    ]
    return FoldRankers([fit(train) for train in outside])


def top_exact(questions: Sequence[QuestionCandidates], scores: Sequence[Sequence[float]]) -> float:
    """Share of the questions whose best-scored candidate is exactly right (0 for none)."""
    hits = 0
    for question, score in zip(questions, scores, strict=True):
        if score:
            hits += question.right[int(np.argmax(score))]
    return hits / max(1, len(questions))


def fit_confidence(
    rows: Sequence[Row],
    right: Sequence[bool],
    names: Sequence[str],
    *,
    isotonic: bool = True,
    weights: Sequence[float] | None = None,
) -> ConfidenceMap:
    """Logistic regression over `names`, then (where `isotonic`) isotonic regression onto
    observed accuracy. Without enough rows the isotonic steps fit noise: on the ~120 yes/no
    questions of MultiHop-RAG's tuning half the logistic alone is calibrated three times better
    held out (ECE 0.05 against 0.15, 5-fold)."""
    from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression

    matrix = feature_matrix(rows, names)
    labels = np.array(right, dtype=int)
    sample_weight = None if weights is None else np.asarray(weights, dtype=np.float64)
    platt = LogisticRegression(C=1.0, max_iter=3000).fit(
        matrix, labels, sample_weight=sample_weight
    )
    logits = platt.decision_function(matrix)
    coefficients = {n: float(w) for n, w in zip(names, platt.coef_[0], strict=True)}
    if not isotonic:
        return ConfidenceMap(weights=coefficients, bias=float(platt.intercept_[0]))
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    scores = 1 / (1 + np.exp(-logits))
    iso.fit(scores, labels, sample_weight=sample_weight)
    return ConfidenceMap(
        weights=coefficients,
        bias=float(platt.intercept_[0]),
        isotonic_x=tuple(round(float(x), 6) for x in iso.X_thresholds_),
        isotonic_y=tuple(round(float(y), 6) for y in _shrunk(iso, scores, labels)),
    )


def _shrunk(iso: Any, scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The isotonic levels pulled toward the overall rate by one pseudo-answer per level, so
    that a level learnt from a handful of answers, all right, says 0.9 rather than 1.0."""
    fitted = iso.predict(scores)
    prior = float(labels.mean()) if len(labels) else 0.5
    levels = np.asarray(iso.y_thresholds_, dtype=np.float64)
    out = levels.copy()
    for i, level in enumerate(levels):
        count = int(np.sum(np.isclose(fitted, level)))
        out[i] = (level * count + prior) / (count + 1)
    return np.maximum.accumulate(out)


def fit_verdict(
    rows: Sequence[Row], says_yes: Sequence[bool], names: Sequence[str]
) -> VerdictModel:
    """Logistic P(yes) over the evidence features of yes/no questions."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=0.3, max_iter=3000).fit(
        feature_matrix(rows, names), np.array(says_yes, dtype=int)
    )
    weights = {n: float(w) for n, w in zip(names, model.coef_[0], strict=True)}
    return VerdictModel(weights, float(model.intercept_[0]))
