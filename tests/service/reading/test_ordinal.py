"""The item a list's sentences give the ordinal the question asks about."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.ordinal import ordinal_item_first
from service.reading.sentences import sentences_of
from tests.service.conftest import make_hits, ranked_spans

PASSAGE = (
    "Three uses stand out for Corvid. The first is translation for small newsrooms. "
    "The second use is fact checking, where the model reads claims against archives. "
    "The third was search."
)


def _ranked(*items: tuple[int, str]) -> list[Candidate]:
    """(sentence number, text) pairs of the passage, ranked in the order given."""
    read = sentences_of(0, make_hits(PASSAGE)[0].chunk, use_stored=False)
    out: list[Candidate] = []
    for place, (number, text) in enumerate(items):
        (candidate,) = ranked_spans(read[number], text, kind=AnswerType.THING)
        candidate.score = -float(place)
        out.append(candidate)
    return out


def test_the_item_after_the_asked_ordinal_answers_however_far_down() -> None:
    ranked = _ranked((0, "Corvid"), (1, "small newsrooms"), (3, "search"), (2, "fact checking"))
    second = read_question("What is the second use Halvorsen sees for Corvid?")
    assert ordinal_item_first(ranked, second)[0].span.text == "fact checking"
    third = read_question("What is the third use of Corvid?")
    assert ordinal_item_first(ranked, third)[0].span.text == "search"
    # "The first is translation ...": the candidate must begin right after the opening.
    first = read_question("What is the first use of Corvid?")
    assert ordinal_item_first(ranked, first) == ranked


def test_the_ranking_stands_without_an_asked_ordinal_or_an_item_for_it() -> None:
    ranked = _ranked((0, "Corvid"), (2, "fact checking"))
    assert ordinal_item_first(ranked, read_question("What is Corvid used for?")) == ranked
    fourth = read_question("What is the fourth use of Corvid?")
    assert ordinal_item_first(ranked, fourth) == ranked
