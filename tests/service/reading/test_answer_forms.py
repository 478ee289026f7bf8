"""A question that names the form of its answer: several things, answered with the join of
names that holds the ranker's best candidate."""

from __future__ import annotations

from service.reading.answer_forms import in_asked_form
from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.sentences import sentences_of
from service.reading.spans import Span
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

TWO = read_question("Which two countries sent officials?")
THREE = read_question("Which three countries sent officials?")
SENTENCE = "Officials from Chad, Laos and Fiji met the envoys of Peru and Oman on Monday."


def _ranked(*texts: str) -> list[Candidate]:
    """Candidates of SENTENCE in the given order, scored from 0 down; "A and B" is a join."""
    sentence = sentences_of(0, make_hits(SENTENCE)[0].chunk, use_stored=False)[0]
    out = []
    for place, text in enumerate(texts):
        start = SENTENCE.index(text)
        origin = "join" if (" and " in text or ", " in text) else ""
        span = Span(start, start + len(text), text, AnswerType.PLACE, origin=origin)
        out.append(Candidate(candidate_key(text), span, sentence, {}, score=-float(place)))
    return out


def test_the_join_of_as_many_names_as_asked_answers_in_the_best_ones_place() -> None:
    ranked = _ranked("Laos", "Peru", "Laos and Fiji", "Chad, Laos and Fiji", "Oman")
    three = in_asked_form(ranked, THREE)
    assert [c.span.text for c in three[:2]] == ["Chad, Laos and Fiji", "Peru"]
    assert three[0].score == 0.0 and three[3].score == -3.0  # the two swap scores
    # Asked for two, no join of two holds "Laos" but one of three does: the best ranked join.
    assert in_asked_form(_ranked("Laos", "Chad, Laos and Fiji"), TWO)[0].span.text == (
        "Chad, Laos and Fiji"
    )


def test_a_join_already_first_stays_unless_one_of_the_asked_count_holds_it() -> None:
    ranked = _ranked("Laos and Fiji", "Chad, Laos and Fiji")
    assert in_asked_form(ranked, TWO)[0].span.text == "Laos and Fiji"
    assert in_asked_form(_ranked("Laos and Fiji", "Chad, Laos and Fiji"), THREE)[0].span.text == (
        "Chad, Laos and Fiji"
    )
    # Nothing holds the best candidate: the ranking stands.
    alone = _ranked("Oman", "Laos and Fiji")
    assert in_asked_form(alone, TWO) == alone


def test_things_asked_in_the_plural_are_answered_with_the_whole_list() -> None:
    plural = read_question("Which countries sent officials?")
    assert plural.plural and not plural.several
    # The ranker's first is a join inside a longer list of the same sentence: the whole list.
    listed = in_asked_form(_ranked("Laos and Fiji", "Oman", "Chad, Laos and Fiji"), plural)
    assert listed[0].span.text == "Chad, Laos and Fiji"
    # A single name first stays: the plural alone does not make one name a list.
    single = _ranked("Laos", "Chad, Laos and Fiji")
    assert in_asked_form(single, plural)[0].span.text == "Laos"
    # Asked in the singular, a join first stays as it is.
    one = read_question("Which country sent officials?")
    assert not one.plural
    assert in_asked_form(_ranked("Laos and Fiji", "Chad, Laos and Fiji"), one)[0].span.text == (
        "Laos and Fiji"
    )
