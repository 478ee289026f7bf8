"""One-word names read against the full person names around them (people.py)."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.people import name_words, person_or_name
from service.reading.spans import Span


def _span(text: str, kind: AnswerType, origin: str = "") -> Span:
    return Span(0, len(text), text, kind, True, origin)


FULL = _span("Marta Okonkwo", AnswerType.PERSON)


def test_the_words_of_full_person_names_only() -> None:
    spans = [
        FULL,
        _span("Brindle", AnswerType.PERSON),  # one word: names nobody else
        _span("Halvorsen Labs", AnswerType.ORG),
    ]
    assert name_words(spans) == {"marta", "okonkwo"}


def test_a_word_of_a_full_person_name_is_a_person() -> None:
    people = name_words([FULL])
    for kind in (AnswerType.ORG, AnswerType.NAME, AnswerType.PLACE):
        retyped = person_or_name(Span(40, 47, "Okonkwo", kind, False, "part"), people)
        assert retyped == Span(40, 47, "Okonkwo", AnswerType.PERSON, True, "part")


def test_a_one_word_person_no_full_name_holds_is_a_name_of_unknown_kind() -> None:
    people = name_words([FULL])
    lone = person_or_name(_span("Brindle", AnswerType.PERSON, "odd"), people)
    assert lone == _span("Brindle", AnswerType.NAME, "odd")


def test_other_spans_are_left_as_they_are() -> None:
    people = name_words([FULL])
    for span in (
        FULL,
        _span("Okonkwo", AnswerType.PERSON),  # a surname already typed a person
        _span("Pinwheel", AnswerType.ORG),  # one word, but no word of a full name
        _span("okonkwo", AnswerType.NUMBER),  # not a name
        _span("Okonkwo Partners", AnswerType.ORG),  # more than one word
        _span("Brindle Hale", AnswerType.PERSON),
    ):
        assert person_or_name(span, people) is span
