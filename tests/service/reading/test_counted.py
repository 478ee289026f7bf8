"""The number written before the counted kind answers "how many" of that kind."""

from __future__ import annotations

from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.counted import counted_number_first, counts_kind
from service.reading.sentences import ReadSentence, sentences_of
from tests.service.conftest import make_hits, ranked_spans

SIZES = (
    "Halvorsen has released Wren 3, a family of open models in four sizes: 1 billion, "
    "4 billion and 27 billion parameters. The family covers 140 languages."
)


def _read(text: str) -> list[ReadSentence]:
    return sentences_of(0, make_hits(text)[0].chunk, use_stored=False)


def _numbers(read: ReadSentence, *numbers: str) -> list[Candidate]:
    """Numbers of a sentence in the order given, scored from 0 down."""
    return ranked_spans(read, *numbers)


def test_a_number_counts_the_kind_written_after_it() -> None:
    first, second = _read(SIZES)
    sizes = read_question("How many sizes does it come in?").head
    four, billion = _numbers(first, "four", "1 billion")
    assert counts_kind(four, sizes) and not counts_kind(billion, sizes)
    (languages,) = _numbers(second, "140")
    assert counts_kind(languages, read_question("How many languages does it cover?").head)
    # One qualifying word may stand between; a link word ends the phrase.
    (other,) = _numbers(_read("It named two dozen other countries.")[0], "two dozen")
    (linked,) = _numbers(_read("It allows 3 per country.")[0], "3")
    countries = read_question("How many countries did it name?").head
    assert counts_kind(other, countries) and not counts_kind(linked, countries)
    # A part of a whole counts what the whole does; a number that holds its kind counts it.
    (part,) = _numbers(_read("It won on 13 of 21 benchmarks.")[0], "13")
    assert counts_kind(part, read_question("On how many benchmarks did it win?").head)
    (inches,) = _numbers(_read("The city got 1.8 inches of snow.")[0], "1.8 inches")
    assert counts_kind(inches, read_question("How many inches of snow fell?").head)


def test_the_number_of_the_counted_kind_answers_first() -> None:
    first, second = _read(SIZES)
    ranked = _numbers(first, "1 billion", "4 billion") + _numbers(second, "140")
    ranked[2].score = -2.0
    answer = counted_number_first(ranked, read_question("How many languages does Wren 3 cover?"))
    assert answer[0].span.text == "140"
    sizes = counted_number_first(
        _numbers(first, "1 billion", "four"), read_question("How many sizes does Wren 3 come in?")
    )
    assert sizes[0].span.text == "four"


def test_the_ranking_stands_where_nothing_better_counts_the_kind() -> None:
    first, _ = _read(SIZES)
    ranked = _numbers(first, "four", "1 billion")
    # Already first; a question that counts no kind; one that asks no count.
    assert counted_number_first(ranked, read_question("How many sizes are there?")) == ranked
    assert counted_number_first(ranked, read_question("How old is Wren 3?")) == ranked
    assert (
        counted_number_first(ranked[::-1], read_question("Which size is smallest?"))
        == (ranked[::-1])
    )
    # A number of the noun without the rest of the counted kind does not replace it.
    (active,) = _read("Of its 671 billion parameters, 37 billion are used at any one time.")
    parameters = _numbers(active, "37 billion", "671 billion")
    asked = read_question("How many active parameters does Wren 3 have?")
    assert counted_number_first(parameters, asked) == parameters
    # The counted kind in another article does not replace the first number.
    hits = make_hits("Wren 3 is out in 1 billion parameters.", "Critics found 140 languages.")
    here, there = (sentences_of(0, hit.chunk, use_stored=False)[0] for hit in hits)
    apart = _numbers(here, "1 billion") + _numbers(there, "140")
    apart[1].score = -1.0
    assert counted_number_first(apart, read_question("How many languages does Wren 3 cover?")) == (
        apart
    )
