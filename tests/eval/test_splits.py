"""The one rule that splits MultiHop-RAG into a reported half and a tuning half."""

from __future__ import annotations

import hashlib

import pytest

from eval.datasets import Question
from eval.splits import half_of, select_half


@pytest.mark.parametrize("question_id", ["a", "b", "multihop-7", "éé-12"])
def test_the_half_is_the_parity_of_the_ids_sha256(question_id: str) -> None:
    parity = int(hashlib.sha256(question_id.encode("utf-8")).hexdigest(), 16) % 2
    assert half_of(question_id) == ("reported" if parity == 0 else "tuning")


def test_known_ids_fall_where_they_always_have() -> None:
    # Pinned, so a change to the rule (encoding, hash, parity) cannot pass unnoticed.
    halves = [half_of(i) for i in ("q1", "q2", "q3", "q4")]
    assert halves == ["tuning", "tuning", "tuning", "reported"]


def test_the_halves_partition_and_balance_the_questions() -> None:
    questions = [Question(f"id-{n}", f"Question {n}?", ("x",), "set") for n in range(2000)]
    reported, tuning = select_half(questions, "reported"), select_half(questions, "tuning")
    assert len(reported) + len(tuning) == 2000
    assert {q.id for q in reported}.isdisjoint(q.id for q in tuning)
    assert 900 < len(reported) < 1100
    assert select_half(reversed(questions), "reported") == list(reversed(reported))


def test_an_unknown_half_is_refused() -> None:
    with pytest.raises(ValueError, match="half must be one of"):
        select_half([], "held-out")  # type: ignore[arg-type]
