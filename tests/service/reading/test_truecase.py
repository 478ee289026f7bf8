"""Capitals for a question typed in lower case, from the passages retrieved for it."""

from __future__ import annotations

import pytest

from service.reading.truecase import needs_casing, truecased

PASSAGES = [
    "Corvid AI said Corvid 3 mini scored 40 percent on MathBench 2024. Pricing starts at $5, "
    "and the models reach Europe in May.",
    "TabPFN, short for Tabular Prior-data Fitted Network, beat gradient-boosted trees. Models "
    "like it are rare. Analysts at Corvid AI call it fast; o3-mini is slower.",
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Names take the form the passages write inside their sentences.
        ("what did corvid 3 mini score on mathbench 2024?",
         "What did Corvid 3 mini score on MathBench 2024?"),
        # At a sentence's start a capital says nothing ("Pricing", "Models")...
        ("what is the pricing of the models?", "What is the pricing of the models?"),
        # ... unless it stands inside the word.
        ("what does tabpfn stand for?", "What does TabPFN stand for?"),
        # A name the passages write in lower case stays so; a word they never write, too.
        ("is o3-mini slower than zebra?", "Is o3-mini slower than zebra?"),
    ],
)  # fmt: skip
def test_a_lower_case_question_takes_the_capitals_of_its_passages(
    question: str, expected: str
) -> None:
    assert truecased(question, PASSAGES) == expected


def test_a_question_typed_with_capitals_is_left_as_it_is() -> None:
    question = "what did Corvid 3 mini score on mathbench 2024?"
    assert not needs_casing(question)
    assert truecased(question, PASSAGES) == question
    assert needs_casing("What did corvid score?")  # only its first letter is a capital


def test_the_lower_case_form_wins_where_it_is_as_common() -> None:
    passages = ["The Apple deal closed.", "He ate an apple at noon."]
    assert truecased("who bought the apple?", passages) == "Who bought the apple?"
    assert truecased("who sold apple shares?", [*passages, "Rivals of Apple fell."]) == (
        "Who sold Apple shares?"
    )
