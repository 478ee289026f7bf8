"""The name a relative clause after it describes as the question does."""

from __future__ import annotations

from dataclasses import replace

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.relative import described_name_first
from service.reading.sentences import sentences_of
from tests.service.conftest import make_hits, ranked_spans

TEXT = (
    "Seven agents, all built on Tarn's Corvid 2.0 models, share the work, citing Wrenfold 3, "
    "which models how biological molecules interact."
)


def _ranked(*names: str, fit: float = 1.0) -> list[Candidate]:
    read = sentences_of(0, make_hits(TEXT)[0].chunk, use_stored=False)[0]
    ranked = ranked_spans(read, *names, kind=AnswerType.NAME)
    for candidate in ranked:
        candidate.features["type_fit"] = fit
    return ranked


def test_the_name_its_clause_describes_as_the_question_does_answers() -> None:
    asked = read_question("Which Tarn model predicts how biological molecules interact?")
    ranked = _ranked("Corvid 2.0", "Wrenfold 3")
    assert described_name_first(ranked, asked)[0].span.text == "Wrenfold 3"


def test_only_a_clause_set_off_by_a_comma_that_describes_the_name_counts() -> None:
    asked = read_question("Which Tarn model predicts how biological molecules interact?")
    for text in (
        # "that": a complement of the verb, or a clause about the noun before the name
        "The lab said Corvid 2.0 has shipped, and Wrenfold 3 that models how biological "
        "molecules interact.",
        # its subject is another name: the clause says what Quill did
        "Corvid 2.0 shipped, and Wrenfold 3, which Quill models how biological molecules "
        "interact with, too.",
    ):
        read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
        ranked = ranked_spans(read, "Corvid 2.0", "Wrenfold 3", kind=AnswerType.NAME)
        for candidate in ranked:
            candidate.features["type_fit"] = 1.0
        assert described_name_first(ranked, asked) == ranked


def test_a_clause_must_say_most_of_what_the_question_says() -> None:
    text = (
        "Corvid said it would wait, and Quill, who has been preparing a White House run in "
        "2028, is sure to face a fight."
    )
    read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
    ranked = ranked_spans(read, "Corvid", "Quill", kind=AnswerType.NAME)
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    # "2028", "White", "House": three of the five words besides the asked kind, too few.
    bid = read_question("Which Republican announced a 2028 White House bid?")
    assert described_name_first(ranked, bid) == ranked
    run = read_question("Which Republican is preparing a White House run?")
    assert described_name_first(ranked, run)[0].span.text == "Quill"


def test_a_list_keeps_its_place() -> None:
    text = "Tarn, Corvid and Quill announced Wren; Mosswood, which builds data centers, leads it."
    read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
    ranked = ranked_spans(read, "Tarn, Corvid and Quill", "Mosswood", kind=AnswerType.ORG)
    ranked[0] = replace(ranked[0], span=replace(ranked[0].span, origin="join"))
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    asked = read_question("Which company builds data centers?")
    assert described_name_first(ranked, asked) == ranked
    ranked[0] = replace(ranked[0], span=replace(ranked[0].span, origin=""))
    assert described_name_first(ranked, asked)[0].span.text == "Mosswood"


def test_a_part_of_a_name_is_not_promoted_over_the_name() -> None:
    text = (
        "Developers comply with the Union's Tarn Act, which requires disclosure of training data."
    )
    read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
    whole, part = ranked_spans(read, "Tarn Act", "Act", kind=AnswerType.NAME)
    part = replace(part, span=replace(part.span, origin="part"))
    other = ranked_spans(read, "Union", kind=AnswerType.NAME)[0]
    ranked = [other, part, whole]
    for candidate in ranked:
        candidate.features["type_fit"] = 1.0
    asked = read_question("Which Tarn law requires disclosure of training data?")
    assert described_name_first(ranked, asked)[0].span.text == "Tarn Act"


def test_the_ranking_stands_where_no_clause_says_enough() -> None:
    ranked = _ranked("Corvid 2.0", "Wrenfold 3")
    # One word of the question in the clause is not enough ("molecules").
    one = read_question("Which Tarn model studies molecules?")
    assert described_name_first(ranked, one) == ranked
    # A candidate of the wrong type is not promoted, nor is an amount asked.
    wrong = _ranked("Corvid 2.0", "Wrenfold 3", fit=0.25)
    asked = read_question("Which Tarn model predicts how biological molecules interact?")
    assert described_name_first(wrong, asked) == wrong
    amount = read_question("How many molecules does the model that interacts predict?")
    assert described_name_first(ranked, amount) == ranked
