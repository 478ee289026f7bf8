"""The noun phrase that names a thing of the asked kind."""

from __future__ import annotations

from dataclasses import replace

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.kinds import kind_phrase_first
from tests.service.conftest import ranked_in_sentence

AGENTS = (
    "A planner assigns the work; a drafting agent searches papers and writes ideas; a critic "
    "agent checks them for accuracy, safety and originality; all run on Tarn's Corvid 2.0."
)
OUTBREAK = "For chronic lymphocytic leukemia, doctors tried four drugs, and two slowed the cells."


def test_the_phrase_of_the_asked_kind_whose_clause_says_the_question_answers() -> None:
    ranked = ranked_in_sentence(
        AGENTS, "Corvid 2.0", "drafting agent", "critic agent", kind=AnswerType.NAME
    )
    asked = read_question(
        "Which agent of the system checks ideas for accuracy, safety and originality?"
    )
    assert kind_phrase_first(ranked, asked)[0].span.text == "critic agent"


def test_a_plain_which_question_needs_two_words_more_than_the_first_candidates() -> None:
    ranked = ranked_in_sentence(
        AGENTS, "Corvid 2.0", "drafting agent", "critic agent", kind=AnswerType.NAME
    )
    # "ideas" alone: the drafting agent's clause says one word, too few to overrule a name.
    asked = read_question("Which agent of the system has ideas?")
    assert kind_phrase_first(ranked, asked) == ranked


def test_what_kind_of_asks_for_the_phrase_outright() -> None:
    ranked = ranked_in_sentence(
        OUTBREAK, "cells", "chronic lymphocytic leukemia", kind=AnswerType.THING
    )
    asked = read_question("Which type of leukemia did the doctors try drugs for?")
    assert kind_phrase_first(ranked, asked)[0].span.text == "chronic lymphocytic leukemia"


def test_a_part_of_a_longer_phrase_is_not_promoted() -> None:
    ranked = ranked_in_sentence(OUTBREAK, "cells", "lymphocytic leukemia", kind=AnswerType.THING)
    ranked[1] = replace(ranked[1], span=replace(ranked[1].span, origin="part"))
    asked = read_question("What kind of leukemia did the doctors try drugs for?")
    assert kind_phrase_first(ranked, asked) == ranked


def test_a_name_is_kept_where_the_answer_has_one() -> None:
    text = "Quill, a popular US retailer, faces a 40-day boycott by consumers."
    ranked = ranked_in_sentence(text, "Quill", "popular US retailer", kind=AnswerType.ORG)
    # An organisation, a made thing, a name asked for, a name owned: each has a proper name.
    for question in (
        "Which US retailer faces a 40-day boycott by consumers?",
        "Which model faces a 40-day boycott by popular consumers?",
        "What is the name of the retailer that faces a 40-day boycott by consumers?",
        "What was Quill's first popular retailer boycott?",
    ):
        assert kind_phrase_first(ranked, read_question(question)) == ranked, question


def test_a_first_candidate_of_the_kind_stays_and_the_phrase_must_say_which() -> None:
    already = ranked_in_sentence(
        OUTBREAK, "chronic lymphocytic leukemia", "cells", kind=AnswerType.THING
    )
    asked = read_question("Which type of leukemia did the doctors try drugs for?")
    assert kind_phrase_first(already, asked) == already
    # "lymphocytic leukemia" says nothing the question does not: it names no kind of its own.
    echoed = read_question("Which type of lymphocytic leukemia did the doctors try drugs for?")
    ranked = ranked_in_sentence(OUTBREAK, "cells", "lymphocytic leukemia", kind=AnswerType.THING)
    assert kind_phrase_first(ranked, echoed) == ranked
