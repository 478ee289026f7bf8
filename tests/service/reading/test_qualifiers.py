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
        ("How many active parameters does it have?", {"scope": {"active"}}),
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


YEARLY = "What does a year of the team plan cost?"
MONTHLY = "What does the basic plan cost per month?"
OUTPUT = "What is the price per million output tokens?"
PAIRED = "API access costs $0.80/$3.20 per million input/output tokens, the lab said."
EXPERTS = "It has 671 billion parameters in total, of which 37 billion are active for each token."
ACTIVE = "How many active parameters does Vellum-R2 have?"
RESPECTIVE = (
    "Its API costs $0.30 per million input tokens and $1.20 per million output tokens, while "
    "Vega charges $5 and $20."
)
INPUT = "What does Vega charge per million input tokens?"


@pytest.mark.parametrize(
    ("sentence", "amount", "question", "clashes"),
    [
        (SENTENCE, "$12", YEARLY, True),
        (SENTENCE, "$99", YEARLY, False),
        (SENTENCE, "$12", MONTHLY, False),
        (SENTENCE, "$99", MONTHLY, True),
        # Each amount's qualifier is the one after it, up to the next clause.
        (PRICES, "$0.40", OUTPUT, True),
        (PRICES, "$1.60", OUTPUT, False),
        # Of a pair of amounts with a pair of qualifiers, each takes its own.
        (PAIRED, "$0.80", OUTPUT, True),
        (PAIRED, "$3.20", OUTPUT, False),
        (PAIRED, "$0.80", "How much is a million input tokens?", False),
        (PAIRED, "$3.20", "How much is a million input tokens?", True),
        # A pair of amounts with one qualifier: both are qualified by it.
        ("Plans cost $8/$12 a month.", "$8", "What does a month cost?", False),
        ("Plans cost $8/$12 a month.", "$12", "What does a year cost?", True),
        # All of a model's parameters, or those active for each token.
        (EXPERTS, "671 billion", ACTIVE, True),
        (EXPERTS, "37 billion", ACTIVE, False),
        (EXPERTS, "37 billion", "How many parameters does it have in total?", True),
        (EXPERTS, "671 billion", "How many parameters does Vellum-R2 have?", False),
        # Two bare amounts after a qualified pair take its qualifiers in order.
        (RESPECTIVE, "$5", INPUT, False),
        (RESPECTIVE, "$20", INPUT, True),
        (RESPECTIVE, "$5", OUTPUT, True),
        (RESPECTIVE, "$20", OUTPUT, False),
        # No qualified pair before them, or one of another kind: they stay unqualified.
        ("Vega charges $5 and $20.", "$20", INPUT, False),
        ("Cached, $1 per million output tokens and $2 per million output tokens; Vega, $5 and $20.",
         "$5", INPUT, False),
        ("Plans cost $8 a month and $80 a year; tokens, $5 and $20.", "$20", INPUT, False),
        (RESPECTIVE, "$1.20", INPUT, True),  # a qualifier of its own comes first
        # Nothing clashes where the question or the amount names no rate.
        (SENTENCE, "$12", "How much does the basic plan cost?", False),
        ("It raised $40 million on Monday.", "$40 million", "What does it cost a year?", False),
    ],
)  # fmt: skip
def test_an_amount_qualified_otherwise_than_asked_clashes(
    sentence: str, amount: str, question: str, clashes: bool
) -> None:
    start = sentence.index(amount)
    span = (start, start + len(amount))
    assert qualifier_clash(sentence, span, qualifiers(question)) == clashes


def test_a_measure_of_another_dimension_clashes() -> None:
    asked = qualifiers("How tall is the Vellum H2 robot?")
    assert asked == {"dimension": frozenset({"length"})}
    sentence = "The H2 is 5 feet 2 inches tall, weighs 90 pounds and costs $16,000."
    clashes = {
        amount: qualifier_clash(
            sentence, (sentence.index(amount), sentence.index(amount) + len(amount)), asked
        )
        for amount in ("5 feet 2 inches", "90 pounds", "90", "$16,000")
    }
    # The unit inside the span or just after it says what it measures; no unit, no clash.
    assert clashes == {"5 feet 2 inches": False, "90 pounds": True, "90": True, "$16,000": False}
    # "high" says no height: "at high effort" qualifies nothing.
    assert qualifiers("What did the model score at high effort?") == {}
