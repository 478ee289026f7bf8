"""Every metric against expectations worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval import metrics


def test_normalize_answer_follows_squad_and_strips_unicode_punctuation() -> None:
    assert metrics.normalize_answer("The  Quick, brown fox!") == "quick brown fox"
    assert metrics.normalize_answer("\u201cAn\u201d apple\u2019s\u00a0core") == "apples core"
    assert metrics.normalize_answer("theater") == "theater"  # "the" only as a word


def test_exact_match_takes_any_of_several_golds() -> None:
    assert metrics.exact_match("the Meta", ["Alphabet", "Meta."]) == 1.0
    assert metrics.exact_match("Meta Platforms", ["Meta"]) == 0.0
    assert metrics.exact_match("anything", []) == 0.0


def test_token_f1_by_hand() -> None:
    # pred tokens: zorblat quantum labs; gold: zorblat labs -> common 2, P=2/3, R=1, F1=0.8
    assert metrics.token_f1("Zorblat Quantum Labs", ["Zorblat Labs"]) == pytest.approx(0.8)
    # best of several golds: vs "quantum" P=1/3 R=1 -> 0.5; vs "zorblat labs" -> 0.8
    assert metrics.token_f1("Zorblat Quantum Labs", ["quantum", "Zorblat Labs"]) == (
        pytest.approx(0.8)
    )
    # repeated tokens count with multiplicity: common 2 of 3 each way -> P = R = F1 = 2/3
    assert metrics.token_f1("x y y", ["y y z"]) == pytest.approx(2 / 3)


def test_token_f1_empty_answers() -> None:
    assert metrics.token_f1("", ["Meta"]) == 0.0
    assert metrics.token_f1("the", ["a"]) == 1.0  # both normalise to nothing: SQuAD v2 rule
    assert metrics.token_f1("Meta", []) == 0.0


def test_contains_answer_needs_whole_tokens() -> None:
    assert metrics.contains_answer("It was Alexandr Wang, they said.", ["alexandr wang"]) == 1.0
    assert metrics.contains_answer("He said so", ["AI"]) == 0.0
    assert metrics.contains_answer("Paid plans", ["AI"]) == 0.0
    assert metrics.contains_answer("Anything", ["the"]) == 0.0  # a gold that normalises to ""


def test_yes_no_label_is_the_first_yes_or_no_word() -> None:
    assert metrics.yes_no_label("No, it does not.") == "no"
    assert metrics.yes_no_label("Yes") == "yes"
    assert metrics.yes_no_label("Nobody knows") is None


def test_first_answer_rank() -> None:
    passages = ["Nothing here.", "The lab is led by Alexandr Wang.", "Wang again."]
    assert metrics.first_answer_rank(passages, ["Alexandr Wang", "Wang"]) == 2
    assert metrics.first_answer_rank(passages, ["Zuckerberg"]) is None
    assert metrics.first_answer_rank([], ["Wang"]) is None


def test_article_ranking_dedupes_chunks_of_one_article() -> None:
    assert metrics.article_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_rank_metrics_by_hand() -> None:
    ranking = ["x", "g1", "y", "z", "w", "v", "g2"]
    ranks = metrics.gold_ranks(ranking, {"g1", "g2", "g3"})
    assert ranks == [2, 7]
    assert metrics.hit_at_k(ranks, 1) == 0.0
    assert metrics.hit_at_k(ranks, 5) == 1.0
    assert metrics.mrr_at_k(ranks, 10) == 0.5
    assert metrics.recall_at_k(ranks, 3, 5) == pytest.approx(1 / 3)
    assert metrics.recall_at_k(ranks, 3, 10) == pytest.approx(2 / 3)


def test_rank_metrics_ties_keep_engine_order() -> None:
    # Two chunks tied in score: the list order decides; the gold article second means rank 2.
    ranking = metrics.article_ranking(["other", "gold"])
    assert metrics.mrr_at_k(metrics.gold_ranks(ranking, {"gold"}), 10) == 0.5


def test_rank_metrics_on_empty_retrieval() -> None:
    ranks = metrics.gold_ranks([], {"g"})
    assert ranks == []
    assert metrics.hit_at_k(ranks, 10) == 0.0
    assert metrics.mrr_at_k(ranks, 10) == 0.0
    assert metrics.recall_at_k(ranks, 2, 10) == 0.0


def test_mrr_beyond_k_is_zero_and_recall_needs_gold() -> None:
    assert metrics.mrr_at_k([11], 10) == 0.0
    with pytest.raises(ValueError, match="gold_count"):
        metrics.recall_at_k([], 0, 10)


def test_mean_skips_none() -> None:
    assert metrics.mean([1.0, None, 0.0]) == 0.5
    assert metrics.mean([None]) is None


def test_percentiles_linear() -> None:
    p = metrics.percentiles([10.0, 20.0, 30.0, 40.0, 50.0])
    assert p["p50"] == 30.0
    assert p["p95"] == pytest.approx(48.0)  # 40 + 0.8 * 10
    assert metrics.percentiles([])["p50"] is None


def test_abstention_precision_and_recall() -> None:
    abstained = [True, True, False, False, True]
    unanswerable = [True, False, True, False, True]
    scores = metrics.abstention_scores(abstained, unanswerable)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    none = metrics.abstention_scores([False], [False])
    assert none["precision"] is None and none["recall"] is None


def test_calibration_buckets_and_ece_by_hand() -> None:
    # 0.95 (right), 0.95 (wrong) -> bucket 9: acc 0.5, conf 0.95
    # 0.5 on the boundary goes to bucket 5 (right); 1.0 goes to the last bucket (right)
    buckets, ece = metrics.calibration([0.95, 0.95, 0.5, 1.0], [True, False, True, True])
    assert [b.count for b in buckets] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 3]
    last = buckets[9]
    assert last.accuracy == pytest.approx(2 / 3)
    assert last.confidence == pytest.approx((0.95 + 0.95 + 1.0) / 3)
    # ECE = 1/4 * |1 - 0.5| + 3/4 * |2/3 - 0.9666...| = 0.125 + 0.225 = 0.35
    assert ece == pytest.approx(0.35)
    assert buckets[0].accuracy is None


def test_calibration_of_nothing() -> None:
    buckets, ece = metrics.calibration([], [])
    assert ece is None and len(buckets) == 10
    _, ece_nan = metrics.calibration([math.nan], [True])
    assert ece_nan is None


def test_chance_ece_is_the_mean_ece_of_answers_right_as_often_as_their_confidence() -> None:
    confidences = [0.15, 0.35, 0.35, 0.62, 0.7, 0.88, 0.91, 0.99, 0.5, 0.05]
    chance = metrics.chance_ece(confidences, draws=250, seed=7)
    # The same draws, each scored by `calibration` itself.
    draws = np.random.default_rng(7).random((250, len(confidences))) < np.array(confidences)
    eces = [metrics.calibration(confidences, list(row))[1] for row in draws]
    assert chance is not None
    assert chance.mean == pytest.approx(float(np.mean(eces)))
    assert chance.p95 == pytest.approx(float(np.quantile(eces, 0.95)))


def test_chance_ece_falls_with_the_number_of_answers() -> None:
    # Answers at 0.5 in one bucket: the mean |right share - 0.5| is sqrt(0.25 / n) * sqrt(2 / pi).
    small = metrics.chance_ece([0.5] * 60, draws=4000)
    large = metrics.chance_ece([0.5] * 6000, draws=1000)
    assert small is not None and large is not None
    assert small.mean == pytest.approx(math.sqrt(0.25 / 60) * math.sqrt(2 / math.pi), rel=0.1)
    assert large.mean == pytest.approx(math.sqrt(0.25 / 6000) * math.sqrt(2 / math.pi), rel=0.1)
    assert small.p95 > small.mean > large.p95


def test_chance_ece_of_certain_answers_and_of_none() -> None:
    certain = metrics.chance_ece([1.0, 0.0, 1.0])
    assert certain is not None and certain.mean == 0.0 and certain.p95 == 0.0
    assert metrics.chance_ece([]) is None
    assert metrics.chance_ece([math.nan]) is None
