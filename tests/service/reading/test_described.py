"""The person a question describes, among several people one sentence lists apart."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.described import described_person_first
from service.reading.sentences import sentences_of
from service.reading.spans import Span
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

LISTED = (
    "Three officials will write the plan: Ines Calloway, the lab's chief scientist and a former "
    "managing director at Brightwater; Tomas Reyes, a venture investor named special advisor "
    "for robotics; and Mara Ellery, the national security advisor."
)
PROSE = "Tomas Reyes met Mara Ellery, the national security advisor, and Ines Calloway in Oslo."


def _ranked(sentence: str, *names: str) -> list[Candidate]:
    """People of the sentence in the given order, scored from 0 down."""
    read = sentences_of(0, make_hits(sentence)[0].chunk, use_stored=False)[0]
    out = []
    for place, name in enumerate(names):
        start = sentence.index(name)
        span = Span(start, start + len(name), name, AnswerType.PERSON)
        out.append(Candidate(candidate_key(name), span, read, {}, score=-float(place)))
    return out


def test_the_person_whose_part_of_a_list_holds_the_description_answers() -> None:
    question = read_question("Who is the national security advisor among the plan's authors?")
    ranked = _ranked(LISTED, "Tomas Reyes", "Mara Ellery", "Ines Calloway")
    first = described_person_first(ranked, question)
    assert first[0].span.text == "Mara Ellery"
    assert first[0].score == 0.0  # the two swap scores
    # "Which former ... managing director": the description of the first part of the list.
    former = read_question("Which former Brightwater managing director will write the plan?")
    assert described_person_first(ranked, former)[0].span.text == "Ines Calloway"


def test_the_ranking_stands_where_the_sentence_does_not_list_people_apart() -> None:
    question = read_question("Who is the national security advisor among the plan's authors?")
    # Already first; no semicolons to tell whose words are whose; a description of one word.
    listed = _ranked(LISTED, "Mara Ellery", "Tomas Reyes")
    assert described_person_first(listed, question) == listed
    prose = _ranked(PROSE, "Tomas Reyes", "Mara Ellery")
    assert described_person_first(prose, question) == prose
    advisor = read_question("Who is the advisor?")
    reyes_first = _ranked(LISTED, "Tomas Reyes", "Mara Ellery")
    assert described_person_first(reyes_first, advisor) == reyes_first
