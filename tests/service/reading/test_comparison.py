"""Comparison questions: two options and a measure (the engine-level reads are in
tests/service/test_bridge_questions.py, over a real index)."""

from __future__ import annotations

import pytest

from service.reading.comparison import parse_comparison, value_of


@pytest.mark.parametrize(
    ("question", "options", "measure", "larger_wins"),
    [
        (
            "Which scored higher on MMLU, Orion 2 or Vega 3?",
            ("Orion 2", "Vega 3"),
            "scored on MMLU",
            True,
        ),
        (
            "Between Brightwater and Quillfeather, which raised more money?",
            ("Brightwater", "Quillfeather"),
            "raised money",
            True,
        ),
        (
            "Which is cheaper per million tokens, Wren or Parley?",
            ("Wren", "Parley"),
            "per million tokens",
            False,
        ),
        (
            "Which did worse on HumanEval, Orion 2 or Vega 3?",
            ("Orion 2", "Vega 3"),
            "on HumanEval",
            False,
        ),
    ],
)
def test_two_options_and_a_measure(
    question: str, options: tuple[str, str], measure: str, larger_wins: bool
) -> None:
    found = parse_comparison(question)
    assert found is not None
    assert (found.options, found.measure, found.larger_wins) == (options, measure, larger_wins)
    assert found.question_for(options[0]) == f"{options[0]} {measure}: how much?"


@pytest.mark.parametrize(
    "question",
    [
        "Who leads Superintelligence Labs?",
        "Which company raised more money this week?",  # one option: no comparison
        "Which scored higher on MMLU, Orion 2 or Orion 2?",  # the same option twice
    ],
)
def test_other_questions_are_no_comparison(question: str) -> None:
    assert parse_comparison(question) is None


def test_values_are_the_numbers_answers_lead_with() -> None:
    assert value_of("81.4 percent") == 81.4
    assert value_of("$30 million") == 30e6
    assert value_of("about 1,200") == 1200
    assert value_of("Orion 2") is None  # the digit of a name is no value
    assert value_of("Two") is None
