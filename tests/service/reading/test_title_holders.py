"""The person who holds a title that the first candidate gives."""

from __future__ import annotations

from dataclasses import replace

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.title_holders import title_holder_first
from tests.service.conftest import ranked_in_sentence


def _as_person(candidate: Candidate) -> Candidate:
    return replace(candidate, span=replace(candidate.span, kind=AnswerType.PERSON))


def _ranked(text: str, first: str, person: str) -> list[Candidate]:
    org, name = ranked_in_sentence(text, first, person, kind=AnswerType.ORG)
    return [org, _as_person(name)]


def test_the_person_after_an_employer_and_a_title_answers_who() -> None:
    ranked = _ranked(
        "Tarnlabs chief executive Ada Wren warned that Quill 2 is not built for speed.",
        "Tarnlabs",
        "Ada Wren",
    )
    asked = read_question("Who warned that Quill 2 is not built for speed?")
    assert title_holder_first(ranked, asked)[0].span.text == "Ada Wren"
    owned = _ranked("Tarnlabs's chief AI scientist Ada Wren said so.", "Tarnlabs", "Ada Wren")
    assert title_holder_first(owned, read_question("Who said so?"))[0].span.text == "Ada Wren"


def test_no_title_between_or_no_person_asked_leaves_the_ranking() -> None:
    # A verb stands between the two names: the company did something to the person.
    hired = _ranked("Tarnlabs hired Ada Wren to lead Quill 2.", "Tarnlabs", "Ada Wren")
    assert title_holder_first(hired, read_question("Who built Quill 2?")) == hired
    ranked = _ranked("Tarnlabs chief executive Ada Wren launched Quill 2.", "Tarnlabs", "Ada Wren")
    assert title_holder_first(ranked, read_question("Which company launched Quill 2?")) == ranked
