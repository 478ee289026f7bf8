"""The result beside the test a question names answers "what did X score on Y"."""

from __future__ import annotations

import pytest

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.scored import asked_test, scored_on_test_first
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import Span
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

RESULTS = (
    "On the ZQ-Math test Wren 5 scored 79.5 percent. "
    "On RiverBench it led both rivals with 73.1 percent, against 71.6 percent for Corvid 3."
)
RIVERBENCH = read_question("What did Wren 5 score on RiverBench?")


def _read(text: str = RESULTS) -> list[ReadSentence]:
    return sentences_of(0, make_hits(text)[0].chunk, use_stored=False)


def _shares(*found: tuple[ReadSentence, str], fit: float = 1.0) -> list[Candidate]:
    """Shares of the sentences given, in the order given, scored from 0 down."""
    out = []
    for place, (read, text) in enumerate(found):
        start = read.text.index(text)
        span = Span(start, start + len(text), text, AnswerType.PERCENT)
        features = {"type_fit": fit}
        out.append(Candidate(candidate_key(text), span, read, features, score=-float(place)))
    return out


@pytest.mark.parametrize(
    ("question", "test"),
    [
        ("What did Wren 5 score on RiverBench?", "riverbench"),
        ("What did Wren 5 score on the ZQ-Math test without tools?", "zq-math test"),
        ("What did it score on the 3,000-question exam?", "3,000-question exam"),
        ("How did Wren 5 score on RiverBench, its maker's test?", "riverbench"),
        ("What did Wren 5 score?", ""),
    ],
)
def test_the_test_is_what_a_result_is_asked_on(question: str, test: str) -> None:
    assert asked_test(question) == test


def test_the_result_nearest_the_asked_test_answers() -> None:
    math, river = _read()
    ranked = _shares((math, "79.5 percent"), (river, "71.6 percent"), (river, "73.1 percent"))
    first = scored_on_test_first(ranked, RIVERBENCH)
    assert first[0].span.text == "73.1 percent"  # not the rival's, though ranked above it
    assert first[0].score == 0.0  # the two swap scores


def test_a_result_before_the_test_s_name_is_as_near() -> None:
    (both,) = _read("Wren 5 scored 80 percent on ZQ-Math and 64 percent on RiverBench.")
    ranked = _shares((both, "80 percent"), (both, "64 percent"))
    # The first sentence names the test: the ranker's order stands ...
    assert scored_on_test_first(ranked, RIVERBENCH) == ranked
    # ... and where it does not, the share nearest the name answers, on either side.
    (other,) = _read("Corvid 3 scored 12 percent on the WD-40 exam.")
    ranked = [*_shares((other, "12 percent")), *_shares((both, "80 percent"), (both, "64 percent"))]
    assert scored_on_test_first(ranked, RIVERBENCH)[0].span.text == "64 percent"


def test_the_ranking_stands_unless_every_condition_holds() -> None:
    math, river = _read()
    # A candidate that fits the type only in part.
    ranked = _shares((math, "79.5 percent"), (river, "73.1 percent"), fit=0.7)
    assert scored_on_test_first(ranked, RIVERBENCH) == ranked
    # No sentence read names the test.
    ranked = _shares((math, "79.5 percent"))
    assert scored_on_test_first(ranked, RIVERBENCH) == ranked
    # No result on a test is asked: a person is.
    ranked = _shares((math, "79.5 percent"), (river, "73.1 percent"))
    person = read_question("Who scored on RiverBench?")
    assert asked_test(person.text) and not person.scored
    assert scored_on_test_first(ranked, person) == ranked


def test_a_number_of_the_test_s_own_name_is_no_result() -> None:
    math, _ = _read()
    (dated,) = _read("On ZQ 2024 Wren 5 scored 61 percent.")
    ranked = _shares((math, "79.5 percent"), (dated, "2024"), (dated, "61 percent"))
    asked = read_question("What did Wren 5 score on ZQ 2024?")
    assert scored_on_test_first(ranked, asked)[0].span.text == "61 percent"
