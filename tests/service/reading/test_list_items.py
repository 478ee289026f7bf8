"""The item of a list that the question's words describe."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.list_items import list_item_first
from tests.service.conftest import ranked_in_sentence as ranked_spans

TEXT = (
    "Bramble's partners include Quillbook for hotel reservations, Tarnfix for home plumbing "
    "repairs, Wren and Corvid for podcasts, and Mosswood for groceries."
)


def _ranked(text: str, *spans: str) -> list[Candidate]:
    """Names of one sentence in the order given, each fitting the asked type."""
    ranked = ranked_spans(text, *spans, kind=AnswerType.ORG)
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    return ranked


def test_the_item_the_question_describes_answers() -> None:
    ranked = _ranked(TEXT, "Corvid", "Wren", "Tarnfix", "Quillbook")
    asked = read_question("Which service handles hotel reservations for Bramble?")
    assert list_item_first(ranked, asked)[0].span.text == "Quillbook"
    repairs = read_question("Which partner does Bramble use for home plumbing repairs?")
    assert list_item_first(ranked, repairs)[0].span.text == "Tarnfix"


def test_one_shared_word_or_a_first_candidate_in_its_item_leaves_the_ranking() -> None:
    ranked = _ranked(TEXT, "Corvid", "Quillbook")
    # The passage does not name Mosswood's partners.
    elsewhere = read_question("Which service handles hotel reservations for Mosswood Inc?")
    assert list_item_first(ranked, elsewhere) == ranked
    # "podcasts" alone: one word is too little to tell an item by.
    assert list_item_first(ranked, read_question("Which service plays podcasts?")) == ranked
    first_right = _ranked(TEXT, "Quillbook", "Tarnfix")
    asked = read_question("Which service handles hotel reservations for Bramble?")
    assert list_item_first(first_right, asked) == first_right


def test_a_long_clause_is_no_list_item() -> None:
    text = (
        "Quillbook, which Bramble bought last spring to handle hotel reservations across "
        "all of its European markets, grew, and Tarnfix shrank, and Wren stayed."
    )
    ranked = _ranked(text, "Tarnfix", "Quillbook")
    asked = read_question("Which service handles hotel reservations for Bramble?")
    assert list_item_first(ranked, asked) == ranked


def test_an_item_is_a_name_and_what_it_is_for_not_a_clause_that_goes_on() -> None:
    text = "Quills, Tarns, Wrens and Corvids celebrated the thaw, said Bramble."
    ranked = _ranked(text, "Bramble", "Wrens")
    asked = read_question("Which group celebrated the thaw?")
    assert list_item_first(ranked, asked) == ranked
