"""The part, where a question counts a part of a whole it names."""

from __future__ import annotations

from service.reading.asked import read_question
from service.reading.parts import part_first
from tests.service.conftest import ranked_in_sentence


def test_a_part_written_after_its_whole_answers() -> None:
    asked = read_question("How many of Wren's parameters are active at once?")
    for text in (
        "It has 400 billion parameters in total, of which 22 billion are active for each token.",
        "Of its 400 billion parameters, 22 billion are used at any one time.",
    ):
        ranked = ranked_in_sentence(text, "400 billion", "22 billion")
        assert part_first(ranked, asked)[0].span.text == "22 billion", text


def test_a_part_written_before_its_whole_answers_a_question_that_names_the_whole() -> None:
    text = "For kidney disease, experts chose four of 12 candidate drugs, and two worked."
    ranked = ranked_in_sentence(text, "12", "four")
    asked = read_question("How many kidney drugs did the experts pick from Tarn's candidates?")
    assert part_first(ranked, asked)[0].span.text == "four"


def test_the_whole_stays_where_it_is_asked_or_no_whole_is_named() -> None:
    text = "For kidney disease, experts chose four of 12 candidate drugs, and two worked."
    ranked = ranked_in_sentence(text, "12", "four")
    for question in (
        "How many candidate drugs did Tarn propose in total?",  # the whole is asked
        "How many candidate drugs did Tarn propose?",  # no whole named
        "How many of the experts chose drugs?",  # the first number counts no experts
    ):
        assert part_first(ranked, read_question(question)) == ranked, question


def test_a_number_beside_the_whole_that_is_no_part_of_it_is_not_promoted() -> None:
    text = "It has 400 billion parameters, 22 layers and a 128,000-token context window."
    ranked = ranked_in_sentence(text, "400 billion", "22")
    asked = read_question("How many of Wren's parameters are active at once?")
    assert part_first(ranked, asked) == ranked


def test_a_part_said_of_them_later_in_the_sentence_answers() -> None:
    text = "The study followed 5,000 frequent users for a month; 3,120 of them also took a survey."
    ranked = ranked_in_sentence(text, "5,000", "3,120")
    asked = read_question("How many of the frequent users in the Tarn study took a survey?")
    assert part_first(ranked, asked)[0].span.text == "3,120"
