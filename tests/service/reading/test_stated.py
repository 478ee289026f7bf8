"""The candidate named beside the asked kind of thing, over the sentence that only introduces
the subject."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import Span
from service.reading.stated import stated_kind_first
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

RELEASE = (
    "Halvorsen has released Wren 4, its first model that listens. "
    "Its weights are distributed under the QZ-BY license, which allows commercial use."
)
LICENSE = read_question("What license is Wren 4 released under?")


def _candidate(
    read: ReadSentence, text: str, score: float, *, tagged: bool = False, **features: float
) -> Candidate:
    start = read.text.index(text)
    kind = AnswerType.PERSON if tagged else AnswerType.NAME
    span = Span(start, start + len(text), text, kind, from_ner=tagged)
    return Candidate(candidate_key(text), span, read, dict(features), score=score)


def _ranked(
    text: str = RELEASE,
    fit: float = 1.0,
    beside: float = 1.0,
    named: str = "QZ-BY license",
    first_fit: float = 0.25,
) -> list[Candidate]:
    """The maker ("Halvorsen") from the first sentence, then a name of the second (the
    license), beside the asked kind where `beside` is 1.0."""
    first, second = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[:2]
    maker = _candidate(first, "Halvorsen", 0.0, type_fit=first_fit)
    return [maker, _candidate(second, named, -3.0, type_fit=fit, names_kind=beside)]


def test_the_candidate_beside_the_asked_kind_answers_first() -> None:
    first = stated_kind_first(_ranked(), LICENSE)
    assert first[0].span.text == "QZ-BY license"
    assert first[0].score == 0.0  # the two swap scores


def test_the_ranking_stands_unless_every_condition_holds() -> None:
    # A candidate that fits the type only in part, or that does not stand beside the kind.
    for ranked in (_ranked(fit=0.5), _ranked(beside=0.0)):
        assert stated_kind_first(ranked, LICENSE) == ranked
    # The first candidate's own sentence names the kind already, and it is no maker.
    named = "Halvorsen says Wren 4 ships under a license. The QZ-BY license allows resale."
    ranked = _ranked(named)
    assert stated_kind_first(ranked, LICENSE) == ranked
    # The candidate's own sentence never names the kind (beside a word of the kind's phrase).
    unnamed = "Halvorsen has released Wren 4. The QZ-BY terms allow resale."
    ranked = _ranked(unnamed, named="QZ-BY")
    assert stated_kind_first(ranked, LICENSE) == ranked
    # A kind that is no made thing ("which company").
    company = read_question("Which company released Wren 4?")
    assert stated_kind_first(_ranked(), company) == _ranked()
    # A candidate of another article.
    hits = make_hits("Halvorsen has released Wren 4.", "It is under the QZ-BY license.")
    here, there = (sentences_of(0, hit.chunk, use_stored=False)[0] for hit in hits)
    apart = [
        _candidate(here, "Halvorsen", 0.0, type_fit=0.25),
        _candidate(there, "QZ-BY license", -3.0, type_fit=1.0, names_kind=1.0),
    ]
    assert stated_kind_first(apart, LICENSE) == apart


def test_a_maker_gives_way_even_where_its_sentence_names_the_kind() -> None:
    # "Halvorsen has released Wren 4 under a license": the maker is still no license.
    named = "Halvorsen has released Wren 4 under a license. The QZ-BY license allows resale."
    first = stated_kind_first(_ranked(named), LICENSE)
    assert first[0].span.text == "QZ-BY license"


def test_the_kind_is_the_asked_phrase_s_noun() -> None:
    # "vision" of "vision encoder" names the subject here ("Wren Vision"), not the kind.
    text = (
        "Halvorsen says Wren Vision reads charts. "
        "It pairs a language model with the QZ-9 vision encoder."
    )
    ranked = _ranked(text, named="QZ-9", first_fit=1.0)
    encoder = read_question("Which vision encoder does Wren Vision use?")
    assert stated_kind_first(ranked, encoder)[0].span.text == "QZ-9"


def test_a_part_of_a_name_the_question_gives_is_no_answer() -> None:
    # "Omni" of "Wren-Omni 4": the question's own name, beside "text backbone" or not.
    text = (
        "Halvorsen has released Wren-Omni 4, which hears and speaks. "
        "The text backbone is Omni, and the speech backbone is Lark 2."
    )
    ranked = _ranked(text, named="Omni")
    backbone = read_question("What text backbone does Wren-Omni 4 use?")
    assert stated_kind_first(ranked, backbone) == ranked


def test_the_whole_name_that_holds_the_kind_answers_not_its_last_words() -> None:
    text = "Halvorsen has released Wren 4. It ships with the Corvid Open Use license."
    ranked = _ranked(text, named="Corvid Open Use license")
    first, second = ranked
    part = Span(second.span.start + 7, second.span.end, "Open Use license", AnswerType.NAME)
    part = Span(part.start, part.end, part.text, part.kind, origin="part")
    shorter = Candidate(
        candidate_key(part.text), part, second.sentence, dict(second.features), score=-2.0
    )
    first_found = stated_kind_first([first, shorter, second], LICENSE)[0]
    assert first_found.span.text == "Corvid Open Use license"


def test_a_place_beside_the_kind_is_no_answer() -> None:
    # "the model answered Sacramento": the kind's noun beside a place names no model.
    text = "Halvorsen has released Wren 4. Asked about Texas, the model answered Kestrel Falls."
    ranked = _ranked(text, named="Kestrel Falls")
    model = read_question("Which model did Halvorsen release?")
    assert stated_kind_first(ranked, model)[0].span.text == "Kestrel Falls"  # as a name
    ranked[1].span = Span(
        ranked[1].span.start, ranked[1].span.end, "Kestrel Falls", AnswerType.PLACE
    )
    assert stated_kind_first(ranked, model) == ranked


BACKBONE = (
    "Halvorsen has released Wren Vision, a pair of vision-language models. Each model joins "
    "a language model, Tern Expanse for the larger one, with the QZ-9 vision encoder."
)
BUILT_ON = read_question("Which language model is the larger Wren Vision built on?")


def _tagged(name: str, capitalised: float = 1.0) -> list[Candidate]:
    """The maker, then a name the tagger typed as a person (type fit 0.6)."""
    first, second = sentences_of(0, make_hits(BACKBONE)[0].chunk, use_stored=False)[:2]
    return [
        _candidate(first, "Halvorsen", 0.0, type_fit=0.25),
        _candidate(
            second, name, -3.0, tagged=True, type_fit=0.6, head_near=1.0, capitalised=capitalised
        ),
    ]


def test_a_name_the_tagger_typed_otherwise_answers_where_none_fits_fully() -> None:
    assert stated_kind_first(_tagged("Tern Expanse"), BUILT_ON)[0].span.text == "Tern Expanse"
    # Not a phrase it tagged, in lower case in part.
    ranked = _tagged("model joins", capitalised=0.5)
    assert stated_kind_first(ranked, BUILT_ON) == ranked


def test_a_name_that_fits_fully_comes_before_a_tagged_one() -> None:
    ranked = _tagged("Tern Expanse")
    second = ranked[1].sentence
    ranked.append(_candidate(second, "QZ-9", -4.0, type_fit=1.0, head_near=1.0))
    assert stated_kind_first(ranked, BUILT_ON)[0].span.text == "QZ-9"
