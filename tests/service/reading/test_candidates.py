"""Candidate spans: names introduced as names, versioned names, acronym expansions, joins."""

from __future__ import annotations

import pytest

from service.reading.answer_types import AnswerType
from service.reading.candidates import candidate_spans
from service.reading.features import focus_with_antecedent
from service.reading.spans import NUMERIC, Span, Tagged


def _spans(sentence: str, acronyms: tuple[str, ...] = ()) -> dict[str, tuple[AnswerType, str]]:
    return {s.text: (s.kind, s.origin) for s in candidate_spans(sentence, None, acronyms)}


def test_a_name_introduced_by_called_or_dubbed_is_one_candidate() -> None:
    spans = _spans("The startup released a model called Nova Lite on Monday.")
    assert spans["Nova Lite"] == (AnswerType.NAME, "introduced")
    quoted = _spans('The lab, dubbed "Deep Harbor", opened in Oslo and Bergen.')
    assert quoted["Deep Harbor"][1] == "introduced"
    assert quoted["Oslo and Bergen"][1] == "join"  # two names joined by "and", and each alone
    assert {"Oslo", "Bergen"} <= set(quoted)


def test_the_digits_of_a_versioned_name_are_never_a_number() -> None:
    spans = candidate_spans("Llama 3.1 70B scored 80 on the test and GPT-4o cost $20.", None, ())
    numbers = {s.text for s in spans if s.kind in NUMERIC}
    assert numbers == {"80", "$20"}  # not "3.1", "70", "4"
    names = {s.text: s.origin for s in spans if s.kind == AnswerType.NAME}
    assert names["Llama 3.1 70B"] == "versioned"
    assert names["GPT-4o"] == "versioned"


def test_the_size_after_a_name_is_part_of_it_whatever_follows() -> None:
    spans = _spans("Vistra2.5-Omni 7B tied with Parley 12B, and Orca 8B won 79 percent.")
    assert {"Vistra2.5-Omni 7B", "Parley 12B", "Orca 8B"} <= set(spans)
    assert not {"7B", "12B", "8B"} & set(spans)  # never a size alone
    versioned = _spans("Vellum 3 27B consistently beats Vellum 2 at the same size.")
    assert "Vellum 3 27B" in versioned and "27B" not in versioned
    judged = _spans("With Quill 3.7 as judge, Orca 8B came out ahead.")
    assert "Quill 3.7" in judged  # not "Quill 3" (a version goes on past its dot)
    assert not {"With Quill 3.7", "With Quill", "With"} & set(judged)  # nor the clause's opener


def test_the_words_after_a_names_version_are_no_name_of_their_own() -> None:
    spans = _spans("The agent is based on Halvorsen's Corvid 3.5 Wren that calls other models.")
    assert spans["Corvid 3.5 Wren"] == (AnswerType.NAME, "versioned")
    assert spans["Wren"][1] == "part"  # only as a part of the longer name, never found alone
    assert spans["Corvid"][1] == ""  # the name's first word is its family's name


def test_a_product_name_and_its_version_are_one_name_whatever_follows() -> None:
    encoder = _spans(
        "Each model adds the GlimLIP 2 vision encoder, released under QZ-BY 4.0 terms."
    )
    assert {"GlimLIP 2", "QZ-BY 4.0"} <= set(encoder)
    # The name without its version is another thing; the version alone is no number.
    assert not {"GlimLIP", "QZ-BY", "2", "4.0"} & set(encoder)
    # An amount after such a name stays an amount.
    users = _spans("VoxTral 2 million users signed up in a week.")
    assert "2 million" in users and "VoxTral 2" not in users and "VoxTral" in users


def test_a_name_is_never_cut_at_a_dot_or_hyphen_inside_it() -> None:
    spans = _spans("Images go through the Vistra2.5-VL encoder and sound through Hark-large-v3.")
    assert "Vistra2.5-VL" in spans
    assert "5-VL" not in spans and "5" not in spans  # not the end of "Vistra2.5-VL"
    assert "v3" not in spans  # not the end of "Hark-large-v3"
    assert spans["Hark-large-v3"][0] == AnswerType.NAME


def test_a_name_made_into_a_modifier_is_the_name_alone() -> None:
    sentence = "The Porto-based startup Quillfeather, a Vellum-backed lab, hired Hark-large-v3."
    tagged = Tagged([Span(4, 15, "Porto-based", AnswerType.PLACE, True)], [], frozenset())
    spans = {s.text: s.kind for s in candidate_spans(sentence, tagged, ())}
    assert spans["Porto"] == AnswerType.PLACE
    assert "Porto-based" not in spans
    assert "Vellum" in spans and "Vellum-backed" not in spans
    assert "Hark-large-v3" in spans  # a hyphen inside a name still joins it


def test_an_acronym_the_question_uses_brings_its_expansion() -> None:
    sentence = "Researchers proposed Retrieval Augmented Generation (RAG) last year."
    assert _spans(sentence, ("RAG",))["Retrieval Augmented Generation"][1] == "expansion"
    assert _spans(sentence)["Retrieval Augmented Generation"][1] != "expansion"
    # An acronym in mixed case is spelt by its capitals.
    mixed = "A transformer called TabQN (Tabular Query-based Network) leads on spreadsheets."
    assert _spans(mixed, ("TabQN",))["Tabular Query-based Network"][1] == "expansion"


def test_a_sentence_that_refers_back_is_about_what_the_one_before_named() -> None:
    before = "Quillfeather is a small robotics startup based in Porto. "
    led = "The company, led by Ines Calloway, builds warehouse arms."
    assert focus_with_antecedent(led, before, ("quillfeather",)) == 1.0
    # A sentence that does not refer back keeps its own (lack of) focus.
    assert focus_with_antecedent("Ines Calloway builds arms.", before, ("quillfeather",)) == 0.0
    assert focus_with_antecedent(led, "", ("quillfeather",)) == 0.0


def test_a_chain_of_sentences_that_refer_back_reaches_the_name() -> None:
    before = (
        "Halvorsen has released Wren-4, its first model that listens. "
        "The open-weights model has 5 billion parameters. "
    )
    licence = "Its weights are distributed under the MIT license."
    assert focus_with_antecedent(licence, before, ("wren-4",)) == 1.0
    # The chain breaks at a sentence that does not refer back.
    broken = "Halvorsen has released Wren-4. Analysts were surprised by the size. "
    assert focus_with_antecedent(licence, broken, ("wren-4",)) == 0.0


def _tagged(sentence: str, *entities: tuple[str, AnswerType]) -> Tagged:
    """What a tagger would say of the sentence: these entities, where they are."""
    spans = [
        Span(sentence.index(text), sentence.index(text) + len(text), text, kind, True)
        for text, kind in entities
    ]
    return Tagged(spans, [], frozenset())


def _texts_of(sentence: str, *entities: tuple[str, AnswerType]) -> set[str]:
    """The candidates' texts where a tagger found these entities in the sentence."""
    return {s.text for s in candidate_spans(sentence, _tagged(sentence, *entities), ())}


@pytest.mark.parametrize(
    ("sentence", "times", "numbers"),
    [
        (
            "Ada Quill retired at age 104 after 12 years at the lab, on May 5.",
            ("age 104", "12 years", "May 5"),
            {"104", "12"},
        ),
        # A length in seconds, or one with a decimal or a scale ("7 million hours").
        (
            "It was trained on 7 million hours of speech and answers in 0.34 seconds.",
            ("7 million hours", "0.34 seconds"),
            {"7 million", "0.34"},
        ),
    ],
)
def test_an_age_or_a_duration_tagged_as_a_date_brings_its_number(
    sentence: str, times: tuple[str, ...], numbers: set[str]
) -> None:
    tagged = _tagged(sentence, *((time, AnswerType.DATE) for time in times))
    spans = candidate_spans(sentence, tagged, ())
    assert {s.text for s in spans if s.kind == AnswerType.NUMBER} == numbers  # not "5" of May 5


def test_a_number_made_a_modifier_by_a_hyphen_is_a_number() -> None:
    spans = {
        s.text: s.kind
        for s in candidate_spans("A 3.8 billion-parameter model runs on a 4-terabyte SSD.", None)
    }
    assert spans["3.8 billion"] == AnswerType.NUMBER  # not the name "3.8 billion-parameter"
    assert spans["4-terabyte"] == AnswerType.NUMBER  # with its unit: a measure
    assert "3.8 billion-parameter" not in spans


def test_a_name_loses_the_lower_case_article_the_tagger_kept() -> None:
    sentence = "Researchers from the University of Tallin built it. The Batch covered it."
    tagged = _tagged(
        sentence, ("the University of Tallin", AnswerType.ORG), ("The Batch", AnswerType.ORG)
    )
    texts = {s.text for s in candidate_spans(sentence, tagged, ())}
    assert "University of Tallin" in texts and "the University of Tallin" not in texts
    assert "The Batch" in texts  # a capital "The" may be the name's own


def test_a_name_loses_the_possessive_the_tagger_kept() -> None:
    sentence = "Mara Ellery's late goal won the final."
    tagged = Tagged([Span(0, 13, "Mara Ellery's", AnswerType.PERSON, True)], [], frozenset())
    texts = {s.text for s in candidate_spans(sentence, tagged, ())}
    assert "Mara Ellery" in texts and "Mara Ellery's" not in texts


def test_a_question_for_several_things_reads_whole_lists_of_names() -> None:
    sentence = (
        "The ban now covers Chad, Laos, Peru and Fiji, and the Tessaline Rovers and the Oslo "
        "Harbour Club must relocate."
    )
    lists = ("Chad, Laos, Peru and Fiji", "Tessaline Rovers and the Oslo Harbour Club")
    listed = {s.text for s in candidate_spans(sentence, None, (), lists=True)}
    assert set(lists) <= listed
    # Asked for one thing, neither is a candidate: "X and the Y" is mostly two things.
    alone = {s.text for s in candidate_spans(sentence, None, ())}
    assert not set(lists) & alone


def test_a_versioned_name_is_a_thing_whatever_the_tagger_calls_it() -> None:
    # A small NER model reads a model's name with a version as a person or a place, and the
    # size glued to a name ("32B") as a date.
    sentence = "Corvid-R2 starts from Vistra2.5-32B, and its judge was Tallis 3.5 Quill."
    tagged = _tagged(sentence, ("32B", AnswerType.DATE), ("Tallis 3.5 Quill", AnswerType.PERSON))
    spans = {s.text: s.kind for s in candidate_spans(sentence, tagged, ())}
    assert spans["Vistra2.5-32B"] == AnswerType.NAME
    assert spans["Tallis 3.5 Quill"] == AnswerType.NAME
    # A tagged organisation keeps its type: the tagger knows more of it than the version says.
    org = "Hexa 9 Labs hired two engineers."
    kinds = {s.text: s.kind for s in candidate_spans(org, _tagged(org, ("Hexa 9", AnswerType.ORG)))}
    assert kinds["Hexa 9"] == AnswerType.ORG
    # A year stays a date.
    dated = "The lab opened in 2024 in Porto."
    years = {
        s.text: s.kind for s in candidate_spans(dated, _tagged(dated, ("2024", AnswerType.DATE)))
    }
    assert years["2024"] == AnswerType.DATE


def test_the_end_of_an_organisations_name_that_only_says_its_kind_is_no_candidate() -> None:
    texts = _texts_of(
        "The Nordic Food Safety Administration fined Quillfeather Sonnet, said Ines Gates.",
        ("Nordic Food Safety Administration", AnswerType.ORG),
        ("Quillfeather Sonnet", AnswerType.ORG),
        ("Ines Gates", AnswerType.PERSON),
    )
    assert "Nordic Food Safety Administration" in texts and "Nordic" in texts
    assert not {"Administration", "Safety Administration", "Food Safety Administration"} & texts
    assert "Sonnet" in texts  # a word of its own, not common English
    assert "Gates" in texts  # a person's surname, however common the word


def test_a_part_of_a_name_ends_as_a_name_does() -> None:
    texts = _texts_of(
        "The device runs the Vellum operating system and the Oslo Harbour Club app.",
        ("Vellum operating system", AnswerType.NAME),
        ("Oslo Harbour Club", AnswerType.ORG),
    )
    assert {"Vellum operating system", "Vellum"} <= texts
    assert "Vellum operating" not in texts  # a name cut after a common word is no name
    assert {"Oslo Harbour", "Oslo", "Harbour Club"} <= texts


def test_a_name_that_ampersand_joins_is_never_cut_at_it() -> None:
    sentence = "People asked Corvid to run Dungeons & Dragons games and to rate AT&T plans."
    game, tail = sentence.index("Dungeons"), sentence.index("Dragons")
    tagged = Tagged(  # what the tagger found: the game's name, and a noun phrase cut at "&"
        entities=[Span(game, tail + 7, "Dungeons & Dragons", AnswerType.ORG)],
        nouns=[Span(tail, tail + 13, "Dragons games", AnswerType.THING)],
        proper_starts=frozenset({game, tail}),
    )
    spans = {s.text for s in candidate_spans(sentence, tagged, ())}
    assert "Dungeons & Dragons" in spans
    # Neither side alone, nor the tagger's "Dragons games"; "T" of "AT&T" neither.
    assert not {"Dungeons", "Dragons", "Dragons games", "T"} & spans


def test_a_noun_phrase_loses_the_adverb_the_tagger_took_in_at_its_front() -> None:
    sentence = "The state bill covers only sexual content, and mostly adults."
    start = sentence.index("only sexual content")
    nouns = [
        Span(start, start + 19, "only sexual content", AnswerType.THING),
        Span(sentence.index("mostly"), sentence.index("mostly") + 6, "mostly", AnswerType.THING),
    ]
    texts = [span.text for span in candidate_spans(sentence, Tagged([], nouns, frozenset()))]
    assert "sexual content" in texts
    assert "only sexual content" not in texts
    assert "mostly" in texts  # a phrase that is nothing but the adverb stays as it is
