"""Bridge questions cut in two: the question that names the described thing, then the question
about it (the engine-level reads are in tests/service/test_bridge_questions.py)."""

from __future__ import annotations

import pytest

from service.reading.bridge import parse_bridge


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        (
            "The lab that built Wren: how much did it raise?",
            "Which lab built Wren?",
            "How much did Halvorsen Labs raise?",
        ),
        (
            "For the startup that designs speech chips, who founded it?",
            "Which startup designs speech chips?",
            "Who founded Halvorsen Labs?",
        ),
        (
            "The company that launched Parley; what is its headquarters city?",
            "Which company launched Parley?",
            "What is Halvorsen Labs's headquarters city?",
        ),
        # "whose X ... that X": the X is what the second question asks about.
        (
            "The country whose regulator fined Kestrel Pay: who leads that regulator?",
            "Which regulator fined Kestrel Pay?",
            "Who leads Halvorsen Labs?",
        ),
        (
            "The country whose regulator fined Kestrel Pay: what is its capital?",
            "Which country's regulator fined Kestrel Pay?",
            "What is Halvorsen Labs's capital?",
        ),
        (
            "The researcher who built Beaker: where does she work?",
            "Which researcher built Beaker?",
            "Where does Halvorsen Labs work?",
        ),
    ],
)
def test_a_description_then_a_question_about_it_is_cut_in_two(
    question: str, first: str, second: str
) -> None:
    bridge = parse_bridge(question)
    assert bridge is not None
    assert (bridge.first, bridge.second("Halvorsen Labs")) == (first, second)


@pytest.mark.parametrize(
    "question",
    [
        "Who leads Superintelligence Labs?",
        "Which startup that makes chips raised money this week?",  # one question, no pointer
        "The company that makes the iPhone, Apple, said sales rose.",  # no question after it
        "The lab that built Wren: how much did Brightwater raise?",  # nothing points back
    ],
)
def test_other_questions_are_no_bridge(question: str) -> None:
    assert parse_bridge(question) is None
