"""Rank fusion, score normalisation and MMR: pure functions, checked against hand computations."""

from __future__ import annotations

import pytest

from service.retrieval.fusion import mmr, normalise, reciprocal_rank_fusion, score_fusion


def test_rrf_sums_reciprocal_ranks_over_lists() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=10)
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 1 / 11)
    assert fused["c"] == pytest.approx(1 / 13)
    assert fused["d"] == pytest.approx(1 / 12)
    # Agreement between lists beats a single first place.
    assert max(fused, key=fused.__getitem__) == "b"


def test_rrf_weights_scale_each_list() -> None:
    fused = reciprocal_rank_fusion([["a"], ["b"]], k=1, weights=[1.0, 3.0])
    assert fused == {"a": pytest.approx(0.5), "b": pytest.approx(1.5)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k is 0"),
        ({"weights": [1.0]}, "expected 2 weights"),
        ({"weights": [1.0, -1.0]}, "must not be negative"),
    ],
)
def test_rrf_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reciprocal_rank_fusion([["a"], ["b"]], **kwargs)  # type: ignore[arg-type]


def test_minmax_and_zscore_normalisation() -> None:
    assert normalise([2.0, 4.0, 3.0]) == [0.0, 1.0, 0.5]
    z = normalise([1.0, 2.0, 3.0], "zscore")
    assert z[1] == pytest.approx(0.0)
    assert z[0] == pytest.approx(-z[2])
    assert sum(v * v for v in z) / 3 == pytest.approx(1.0)
    # A leg whose scores are all equal carries no ordering information.
    assert normalise([5.0, 5.0]) == [1.0, 1.0]
    assert normalise([5.0, 5.0], "zscore") == [0.0, 0.0]
    assert normalise([]) == []


def test_score_fusion_counts_a_missing_item_as_the_legs_floor() -> None:
    keyword = [("a", 12.0), ("b", 6.0), ("c", 0.0)]
    dense = [("b", 0.9), ("d", 0.5)]
    fused = score_fusion([keyword, dense], weights=[1.0, 2.0])
    assert fused["a"] == pytest.approx(1.0 + 0.0)
    assert fused["b"] == pytest.approx(0.5 + 2.0)
    assert fused["c"] == pytest.approx(0.0)
    assert fused["d"] == pytest.approx(0.0 + 0.0)
    # Raw bm25 scale (tens) does not drown the cosine scale (under one).
    assert max(fused, key=fused.__getitem__) == "b"


def test_a_complete_leg_scores_its_missing_items_zero() -> None:
    # One keyword hit: on its own it normalises to a constant and lifts nothing.
    keyword = [("named", 7.5)]
    dense = [("other", 0.62), ("near", 0.60), ("named", 0.55), ("far", 0.50)]
    alone = score_fusion([keyword, dense], weights=[0.4, 0.6], method="zscore")
    assert max(alone, key=alone.__getitem__) == "other"
    # Complete (every chunk holding a query word is in it), the rest scored bm25 0.
    fused = score_fusion(
        [keyword, dense], weights=[0.4, 0.6], method="zscore", complete=[True, False]
    )
    keyword_z = normalise([7.5, 0.0, 0.0, 0.0], "zscore")
    dense_z = normalise([0.62, 0.60, 0.55, 0.50], "zscore")
    assert fused["named"] == pytest.approx(0.4 * keyword_z[0] + 0.6 * dense_z[2])
    assert fused["other"] == pytest.approx(0.4 * keyword_z[1] + 0.6 * dense_z[0])
    assert max(fused, key=fused.__getitem__) == "named"


def test_mmr_with_lambda_one_keeps_relevance_order() -> None:
    relevance = {"a": 3.0, "b": 2.0, "c": 1.0}
    assert mmr(["a", "b", "c"], relevance, lambda x, y: 1.0, lambda_=1.0, k=3) == ["a", "b", "c"]


def test_mmr_prefers_a_novel_candidate_over_a_near_copy() -> None:
    relevance = {"a": 1.0, "a2": 0.95, "b": 0.8, "c": 0.0}
    groups = {"a": "x", "a2": "x", "b": "y", "c": "z"}

    def similarity(p: str, q: str) -> float:
        return 1.0 if groups[p] == groups[q] else 0.0

    assert mmr(list(relevance), relevance, similarity, lambda_=0.5, k=2) == ["a", "b"]
    assert mmr(list(relevance), relevance, similarity, lambda_=0.5, k=10) == ["a", "b", "c", "a2"]


def test_mmr_rejects_lambda_out_of_range() -> None:
    with pytest.raises(ValueError, match="lambda"):
        mmr(["a"], {"a": 1.0}, lambda x, y: 0.0, lambda_=1.5, k=1)
