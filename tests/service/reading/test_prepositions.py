"""The amount a sentence introduces with the preposition the question asks it with."""

from __future__ import annotations

from service.reading.asked import read_question
from service.reading.prepositions import preposition_amount_first
from tests.service.conftest import ranked_in_sentence

SIZES = "Starting from pairs, the model learned step sizes of 3x, 9x and onward up to 81x."


def test_the_amount_after_the_asked_preposition_answers() -> None:
    ranked = ranked_in_sentence(SIZES, "3x", "9x", "81x")
    asked = read_question("Up to what step size did the Tarn models learn?")
    assert preposition_amount_first(ranked, asked)[0].span.text == "81x"


def test_by_how_much_takes_the_amount_after_by_with_a_qualifier_between() -> None:
    text = "Sales reached 40 million units, up by nearly 12 percent on the year before."
    ranked = ranked_in_sentence(text, "40 million", "12 percent")
    asked = read_question("By how much did Wren's sales rise?")
    assert preposition_amount_first(ranked, asked)[0].span.text == "12 percent"


def test_the_ranking_stands_without_an_asked_preposition_or_where_the_first_follows_it() -> None:
    ranked = ranked_in_sentence(SIZES, "3x", "9x", "81x")
    assert (
        preposition_amount_first(ranked, read_question("What step size did Tarn learn?")) == ranked
    )
    first = ranked_in_sentence(SIZES, "81x", "3x")
    asked = read_question("Up to what step size did the Tarn models learn?")
    assert preposition_amount_first(first, asked) == first
    # "to" of "up to" is no answer to "down to what"
    assert (
        preposition_amount_first(ranked, read_question("Down to what step size did it go?"))
        == ranked
    )
