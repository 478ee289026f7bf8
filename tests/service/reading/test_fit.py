"""How well a candidate fits the asked answer beyond its type: the maker of a named thing
where a made thing is asked for, a share as a fraction, an amount qualified otherwise, a
place in an order for a count."""

from __future__ import annotations

import pytest

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.features import makes_a_named_thing
from service.reading.fit import ARTIFACT_CLASH, FRACTION_FIT, ORDINAL_COUNT, answer_fit
from service.reading.spans import Span


def _span(sentence: str, text: str, kind: AnswerType) -> Span:
    start = sentence.index(text)
    return Span(start, start + len(text), text, kind, from_ner=True)


@pytest.mark.parametrize(
    ("sentence", "name", "makes"),
    [
        ("Halvorsen Labs has released Wren 2, a speech model.", "Halvorsen Labs", True),
        ("The agent runs on Corvid's Tallis 3.5 Quill model.", "Corvid", True),
        ("Corvid on Tuesday unveiled a compact Tallis model.", "Corvid", True),
        ("Corvid said it would spend $2 billion.", "Corvid", False),
        ("Corvid's chief executive resigned.", "Corvid", False),  # a common noun follows
    ],
)
def test_the_maker_or_owner_of_a_name_that_follows(sentence: str, name: str, makes: bool) -> None:
    assert makes_a_named_thing(sentence, _span(sentence, name, AnswerType.ORG)) is makes


def test_a_maker_fits_badly_only_where_a_made_thing_is_asked_for() -> None:
    sentence = "Halvorsen Labs has released Wren 2, a speech model."
    maker = _span(sentence, "Halvorsen Labs", AnswerType.ORG)
    model = read_question("Which model does Wren 2 start from?")
    assert model.artifact
    assert answer_fit(model, maker, sentence) == ARTIFACT_CLASH
    company = read_question("Which company released Wren 2?")
    assert not company.artifact and answer_fit(company, maker, sentence) == 1.0


def test_a_share_may_be_a_fraction_of_one() -> None:
    sentence = "Its word error rate was 0.07 across 40 languages."
    rate = read_question("What is Parley's word error rate?")
    assert answer_fit(rate, _span(sentence, "0.07", AnswerType.NUMBER), sentence) == FRACTION_FIT
    assert answer_fit(rate, _span(sentence, "40", AnswerType.NUMBER), sentence) == 0.0


def test_a_place_in_an_order_is_no_count() -> None:
    sentence = "The fourth of its four uses is translation."
    fourth = _span(sentence, "fourth", AnswerType.NUMBER)
    four = _span(sentence, "four", AnswerType.NUMBER)
    count = read_question("How many uses does the model have?")
    assert answer_fit(count, fourth, sentence) == ORDINAL_COUNT
    assert answer_fit(count, four, sentence) == 1.0
    # Asked for a place, an ordinal fits as any number does.
    place = read_question("Which place did the model take?")
    assert answer_fit(place, fourth, sentence) == answer_fit(place, four, sentence)
