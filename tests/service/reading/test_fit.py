"""How well a candidate fits the asked answer beyond its type: the maker of a named thing
where a made thing is asked for, a share as a fraction, an amount qualified otherwise, a
place in an order for a count, a size or a time for a result on a test."""

from __future__ import annotations

import pytest

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.features import makes_a_named_thing
from service.reading.fit import (
    ARTIFACT_CLASH,
    FRACTION_FIT,
    ORDINAL_COUNT,
    SCORE_CLASH,
    answer_fit,
)
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
    assert read_question("Which report did Halvorsen publish?").artifact
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


def test_a_result_on_a_test_is_a_share_or_a_bare_number() -> None:
    sentence = (
        "Wren 5, with 32.5 billion parameters and a $20 plan, answers in 50 milliseconds and "
        "scored 73.1 percent, or 81 points."
    )
    scored = read_question("What did Wren 5 score on RiverBench?")
    assert scored.scored
    assert answer_fit(scored, _span(sentence, "73.1 percent", AnswerType.PERCENT), sentence) == 1.0
    assert answer_fit(scored, _span(sentence, "81", AnswerType.NUMBER), sentence) == 1.0
    for text, kind in (
        ("32.5 billion", AnswerType.NUMBER),
        ("50 milliseconds", AnswerType.NUMBER),
        ("$20", AnswerType.MONEY),
    ):
        assert answer_fit(scored, _span(sentence, text, kind), sentence) == SCORE_CLASH
    # Not asked for a result on a test, a share fits a number question as before.
    size = read_question("What is the size of Wren 5?")
    assert not size.scored
    assert answer_fit(size, _span(sentence, "73.1 percent", AnswerType.PERCENT), sentence) < 1.0
    assert answer_fit(size, _span(sentence, "32.5 billion", AnswerType.NUMBER), sentence) == 1.0


@pytest.mark.parametrize(
    ("question", "scored"),
    [
        ("What did Wren 5 score on RiverBench?", True),
        ("What score did Wren 5 get on RiverBench?", True),
        ("How many points did Tallis score?", False),  # a count
        ("Who scored the winning goal?", False),  # a person
    ],
)
def test_a_result_on_a_test_is_asked_where_a_number_is_scored(question: str, scored: bool) -> None:
    assert read_question(question).scored is scored
