"""What an amount is measured per: a rate's period ("a month") or a price's flow ("output")."""

from __future__ import annotations

import pytest

from service.reading.qualifiers import qualifier_clash, qualifiers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does a year of the team plan cost?", {"period": {"year"}}),
        ("How much is the monthly fee?", {"period": {"month"}}),
        ("What is the price per million output tokens?", {"flow": {"output"}}),
        ("How much does it cost each week per million input tokens?",
         {"period": {"week"}, "flow": {"input"}}),
        # When, not per what: no rate is asked.
        ("How much did the startup raise this year?", {}),
        ("How much did it earn in the past year?", {}),
        ("Who leads the company?", {}),
    ],
)  # fmt: skip
def test_questions_name_the_rate_they_ask_for(text: str, expected: dict[str, set[str]]) -> None:
    assert qualifiers(text) == {kind: frozenset(values) for kind, values in expected.items()}


SENTENCE = "The basic plan costs $12 a month, while the team plan costs $99 a year."
PRICES = "It charges $0.40 per million input tokens and $1.60 per million output tokens."


def _clash(sentence: str, amount: str, question: str) -> bool:
    return qualifier_clash(sentence, sentence.index(amount) + len(amount), qualifiers(question))


def test_an_amount_qualified_otherwise_than_asked_clashes() -> None:
    yearly = "What does a year of the team plan cost?"
    assert _clash(SENTENCE, "$12", yearly)
    assert not _clash(SENTENCE, "$99", yearly)
    monthly = "What does the basic plan cost per month?"
    assert not _clash(SENTENCE, "$12", monthly)
    assert _clash(SENTENCE, "$99", monthly)
    # Each amount's qualifier is the one after it, up to the next clause.
    output = "What is the price per million output tokens?"
    assert _clash(PRICES, "$0.40", output)
    assert not _clash(PRICES, "$1.60", output)


def test_nothing_clashes_where_the_question_or_the_amount_names_no_rate() -> None:
    assert not _clash(SENTENCE, "$12", "How much does the basic plan cost?")
    assert not _clash(
        "It raised $40 million on Monday.", "$40 million", "What does it cost a year?"
    )
