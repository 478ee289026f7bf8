"""MultiHop-RAG's metrics checked against examples worked by hand from their definitions."""

from __future__ import annotations

import pytest

from eval.multihop_metrics import qa_correct, retrieval_scores

GOLD = ["Zorblat raised ten million.", "Quimby left the board."]


def test_two_gold_sentences_found_at_ranks_2_and_5() -> None:
    retrieved = [
        "Unrelated text.",
        "News: Zorblat  raised ten\nmillion. More.",  # spaces and newlines do not matter
        "Other.",
        "Other again.",
        "Then Quimby left the board.",
    ]
    s = retrieval_scores(retrieved, GOLD)
    assert s.hits_at_4 == 1.0 and s.hits_at_10 == 1.0
    assert s.mrr_at_10 == 0.5
    # AP = (1/2 + 1/5) / min(2, 10) = 0.35
    assert s.map_at_10 == pytest.approx(0.35)


def test_a_gold_sentence_found_twice_counts_once() -> None:
    retrieved = ["Zorblat raised ten million.", "Zorblat raised ten million. Again."]
    s = retrieval_scores(retrieved, GOLD)
    # rank 1 finds one new sentence (1/1); rank 2 is relevant but finds nothing new (0/2)
    assert s.map_at_10 == pytest.approx(0.5)
    assert s.mrr_at_10 == 1.0


def test_one_chunk_holding_both_sentences() -> None:
    s = retrieval_scores(["x", "x", "Zorblat raised ten million. Quimby left the board."], GOLD)
    # both new at rank 3: 2/3, over min(2, 10) -> 1/3; first relevant rank 3
    assert s.map_at_10 == pytest.approx(1 / 3)
    assert s.mrr_at_10 == pytest.approx(1 / 3)
    assert s.hits_at_4 == 1.0


def test_only_the_first_ten_chunks_count() -> None:
    retrieved = [f"filler {i}" for i in range(10)] + ["Quimby left the board."]
    s = retrieval_scores(retrieved, GOLD)
    assert (s.hits_at_10, s.mrr_at_10, s.map_at_10) == (0.0, 0.0, 0.0)


def test_hit_at_rank_five_is_not_hits_at_4() -> None:
    retrieved = ["a", "b", "c", "d", "Quimby left the board."]
    s = retrieval_scores(retrieved, GOLD)
    assert s.hits_at_4 == 0.0 and s.hits_at_10 == 1.0
    assert s.map_at_10 == pytest.approx((1 / 5) / 2)


def test_empty_retrieval_and_no_evidence() -> None:
    s = retrieval_scores([], GOLD)
    assert (s.hits_at_4, s.hits_at_10, s.map_at_10, s.mrr_at_10) == (0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="gold_facts"):
        retrieval_scores(["x"], [])


def test_qa_accuracy_is_one_shared_lowercase_word() -> None:
    assert qa_correct("Yes, it does.", "Yes") == 0.0  # "yes," keeps its comma: no shared word
    assert qa_correct("yes it does", "Yes") == 1.0
    assert qa_correct("The answer is Quimby", "the board") == 1.0  # the weak rule: "the"
    assert qa_correct("", "Yes") == 0.0
