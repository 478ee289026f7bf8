"""The amount a sentence gives the superlative the question asks about."""

from __future__ import annotations

from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.sentences import sentences_of
from service.reading.superlative import superlative_amount_first
from tests.service.conftest import make_hits, ranked_spans

SIZES = (
    "The smallest has 3 billion parameters, the middle one 7 billion and the largest 72 billion."
)


def _ranked(text: str, *amounts: str) -> list[Candidate]:
    """The amounts of a sentence in the order given, scored from 0 down."""
    return ranked_spans(sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0], *amounts)


def test_the_amount_after_the_asked_superlative_answers_first() -> None:
    ranked = _ranked(SIZES, "7 billion", "3 billion", "72 billion")
    largest = read_question("How many parameters does the largest Corvid model have?")
    assert superlative_amount_first(ranked, largest)[0].span.text == "72 billion"
    # Its other word says the same; the opposite superlative takes its own amount.
    biggest = read_question("How many parameters does the biggest Corvid model have?")
    assert superlative_amount_first(ranked, biggest)[0].span.text == "72 billion"
    smallest = read_question("How many parameters does the smallest Corvid model have?")
    assert superlative_amount_first(ranked, smallest)[0].span.text == "3 billion"
    # "the largest, at 72 billion": a comma and a preposition may stand between.
    at = _ranked("Of the three, the largest, at 72 billion, needs 4 GPUs.", "4", "72 billion")
    assert superlative_amount_first(at, largest)[0].span.text == "72 billion"


def test_the_ranking_stands_unless_a_superlative_amount_is_asked_and_missed() -> None:
    ranked = _ranked(SIZES, "7 billion", "72 billion")
    # No superlative in the question, or no amount asked.
    plain = read_question("How many parameters does the Corvid model have?")
    assert superlative_amount_first(ranked, plain) == ranked
    name = read_question("Which is the largest Corvid model?")
    assert superlative_amount_first(ranked, name) == ranked
    # The first amount already follows the superlative.
    first = _ranked(SIZES, "72 billion", "7 billion")
    largest = read_question("How many parameters does the largest Corvid model have?")
    assert superlative_amount_first(first, largest) == first
    # No amount follows it: "the largest model has far more" names none.
    vague = _ranked("Corvid has 7 billion parameters; the largest model has far more.", "7 billion")
    assert superlative_amount_first(vague, largest) == vague
