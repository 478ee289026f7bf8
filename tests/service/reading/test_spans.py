"""Candidate spans, their tags and features, on sentences written for these tests."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from indexer.text.analysis import SentenceTags, load_analyzer
from service.reading.answer_types import AnswerType
from service.reading.features import (
    asks_about_role,
    proximity,
    repeated_words,
    role_bonus,
    type_fit,
)
from service.reading.spans import Span, Tagged, merge_spans, rule_spans, with_unit
from service.reading.tagging import EntityTagger, load_entity_tagger, to_tagged
from service.reading.terms import content_terms, question_overlap, question_words, stem

SENTENCE = (
    "On Tuesday, March 4, 2025, Orbital Labs, led by Mara de la Quist, said it raised "
    "\u20ac42 million, or 15% of its goal, from the Bank of Lisbon for \u201cProject Heron\u201d."
)


def _by_text(sentence: str) -> dict[str, Span]:
    return {span.text: span for span in rule_spans(sentence)}


def test_rule_spans_find_typed_candidates_with_exact_offsets() -> None:
    spans = _by_text(SENTENCE)
    assert spans["\u20ac42 million"].kind == AnswerType.MONEY
    assert spans["15%"].kind == AnswerType.PERCENT
    assert spans["Tuesday, March 4, 2025"].kind == AnswerType.DATE
    assert spans["Project Heron"].kind == AnswerType.NAME
    assert spans["Orbital Labs"].kind == AnswerType.ORG  # "Labs" marks an organisation
    # Lower-case connectors stay inside a name.
    assert "Mara de la Quist" in spans
    assert "Bank of Lisbon" in spans
    for span in spans.values():
        assert SENTENCE[span.start : span.end] == span.text


def test_sentence_openers_and_possessives_are_not_part_of_names() -> None:
    sentence = "The Verity Group's new model beat Halcyon in every test, and In Tokyo it sold out."
    names = set(_by_text(sentence))
    assert "Verity Group" in names
    assert "Halcyon" in names
    assert "Tokyo" in names
    assert not any(name.startswith(("The ", "In ")) for name in names)


def test_numbers_in_words_and_digits() -> None:
    spans = _by_text("The lab hired twenty-five engineers and 1,200 contractors in 2024.")
    assert spans["twenty-five"].kind == AnswerType.NUMBER
    assert spans["1,200"].kind == AnswerType.NUMBER
    assert spans["2024"].kind == AnswerType.DATE


def test_a_title_before_a_name_marks_a_person() -> None:
    spans = _by_text("The board thanked chief executive Ilse Varga for the turnaround.")
    assert spans["Ilse Varga"].kind == AnswerType.PERSON
    spans = _by_text("The lab, founded by Oren Falk, hired Dana Brook.")
    assert spans["Oren Falk"].kind == AnswerType.PERSON
    assert spans["Dana Brook"].kind == AnswerType.NAME


def test_a_person_cue_overrides_the_ner_type() -> None:
    sentence = "The lab, led by Ines Calloway, grew."
    tagged = Tagged([Span(16, 29, "Ines Calloway", AnswerType.PLACE, True)], [], frozenset({16}))
    (merged,) = merge_spans(sentence, tagged, rule_spans(sentence))
    assert (merged.text, merged.kind, merged.from_ner) == ("Ines Calloway", AnswerType.PERSON, True)


def test_merge_keeps_ner_spans_and_fills_gaps_with_rules() -> None:
    sentence = "Critics say Orbital Labs hired Quist to sell Crocs and bubonic plague masks."
    tagged = Tagged(
        entities=[Span(12, 23, "Orbital Lab", AnswerType.ORG, from_ner=True)],
        nouns=[Span(55, 69, "bubonic plague", AnswerType.THING)],
        proper_starts=frozenset({12, 20, 31}),  # "Crocs" was tagged as a plural noun
    )
    rules = rule_spans(sentence)
    assert {"Orbital Labs", "Quist", "Critics", "Crocs"} <= {s.text for s in rules}
    merged = merge_spans(sentence, tagged, rules)
    # "Critics" opens the sentence and holds no proper noun: kept, but marked as an opener (a
    # ranker feature), never as a name.
    names = [s.text for s in merged if s.origin != "opener"]
    assert names == ["Orbital Lab", "Quist", "Crocs", "bubonic plague"]
    (opener,) = [s for s in merged if s.origin == "opener"]
    assert (opener.text, opener.kind) == ("Critics", AnswerType.THING)
    assert merge_spans(sentence, None, rules) == rules


def test_amounts_take_the_patterns_bounds_inside_ner_entities() -> None:
    sentence = "The plan costs $19.99 a month, and the API charges $150 per million tokens."
    tagged = Tagged(
        entities=[
            Span(16, 21, "19.99", AnswerType.MONEY, from_ner=True),  # the sign left out
            Span(51, 67, "$150 per million", AnswerType.MONEY, from_ner=True),  # a rate taken in
        ],
        nouns=[],
        proper_starts=frozenset(),
    )
    merged = merge_spans(sentence, tagged, rule_spans(sentence))
    amounts = [s for s in merged if s.kind == AnswerType.MONEY]
    assert [(s.text, s.from_ner) for s in amounts] == [("$19.99", True), ("$150", True)]
    assert all(sentence[s.start : s.end] == s.text for s in amounts)


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "How quickly does it reply?",
            "It replies in about 50 milliseconds on a laptop.",
            "50 milliseconds",
        ),
        (
            "How long a context can it read?",
            "It reads 10 million tokens at once.",
            "10 million tokens",
        ),
        ("How long did the trial run?", "The trial ran for 28 days in spring.", "28 days"),
        # Counts and ages stay bare; so does a unit the question already names.
        ("How many languages does it speak?", "It speaks 23 languages fluently.", "23"),
        ("How old was the pianist?", "The pianist was 96 years old.", "96"),
        ("What is its parameter count?", "It has 400 billion parameters in all.", "400 billion"),
        ("How long was the ban?", "The ban lasted five years in all.", "five years"),
        ("What did the model score?", "It scored 79 points on the test.", "79"),  # not a unit
    ],
)
def test_a_measure_takes_its_unit(question: str, sentence: str, expected: str) -> None:
    number = next(s for s in rule_spans(sentence) if s.kind == AnswerType.NUMBER)
    span = with_unit(sentence, number, question, question_words(question))
    assert span.text == expected == sentence[span.start : span.end]
    assert span.kind == AnswerType.NUMBER


def test_a_unit_in_the_singular_is_a_unit() -> None:
    sentence = "The plant dedicated 1 gigawatt of power to the lab."
    number = next(s for s in rule_spans(sentence) if s.kind == AnswerType.NUMBER)
    question = "How much power did the plant dedicate?"
    assert with_unit(sentence, number, question, question_words(question)).text == "1 gigawatt"


def test_a_name_the_tagger_ran_into_an_amount_is_the_name_and_the_amount() -> None:
    sentence = "Kestrel costs $0.15 per million tokens and Osprey $0.22."
    osprey = sentence.index("Osprey")
    tagged = Tagged(
        [Span(osprey, osprey + 12, "Osprey $0.22", AnswerType.NAME, True)], [], frozenset()
    )
    merged = {(s.text, s.kind) for s in merge_spans(sentence, tagged, rule_spans(sentence))}
    assert {("Osprey", AnswerType.NAME), ("$0.22", AnswerType.MONEY)} <= merged
    assert not any(text == "Osprey $0.22" for text, _ in merged)


def test_an_amount_with_no_currency_is_a_number() -> None:
    sentence = "It is a 3.8 billion-parameter version of the model, sold for $5."
    tagged = Tagged([Span(8, 19, "3.8 billion", AnswerType.MONEY, True)], [], frozenset())
    (count,) = [s for s in merge_spans(sentence, tagged, rule_spans(sentence)) if s.start == 8]
    assert (count.text, count.kind) == ("3.8 billion", AnswerType.NUMBER)


def test_a_name_ends_before_the_full_stop_and_a_possessive_inside_it() -> None:
    sentence = "Two linked units can run Vellum's Parley 3.1 405B."
    start = sentence.index("3.1")
    tagged = Tagged(
        [Span(start, len(sentence), "3.1 405B.", AnswerType.NAME, True)], [], frozenset()
    )
    texts = {s.text for s in merge_spans(sentence, tagged, rule_spans(sentence))}
    assert "3.1 405B" in texts and "3.1 405B." not in texts
    law = "Developers must comply with the European Union's AI Act, which requires it."
    texts = {s.text for s in rule_spans(law)}
    assert {"European Union", "AI Act"} <= texts  # not "European Union's AI Act"
    sued = "He sued Osei Inc."  # an abbreviation keeps its full stop
    tagged = Tagged([Span(8, 17, "Osei Inc.", AnswerType.ORG, True)], [], frozenset())
    assert "Osei Inc." in {s.text for s in merge_spans(sued, tagged, rule_spans(sued))}


def test_a_name_the_tagger_cut_short_of_an_acronym_or_version_is_a_candidate_too() -> None:
    sentence = "Memory is shared, and it runs DGX OS, a version of Linux."
    start = sentence.index("DGX")
    tagged = Tagged([Span(start, start + 3, "DGX", AnswerType.ORG, True)], [], frozenset())
    texts = [s.text for s in merge_spans(sentence, tagged, rule_spans(sentence))]
    assert "DGX" in texts and "DGX OS" in texts


def test_only_numbers_take_units() -> None:
    sentence = "It cost $5 million years ago."
    money = next(s for s in rule_spans(sentence) if s.kind == AnswerType.MONEY)
    assert with_unit(sentence, money, "How long ago?", question_words("How long ago?")) == money


@pytest.mark.parametrize(
    ("sentence", "entity", "ner_kind", "expected"),
    [
        # A title before the name: a person, whatever the NER model guessed.
        ("State Representative Tomas Reyes filed the bill.", "Tomas Reyes", "ORG", "person"),
        ("The bill's author, researcher Lena Osei, spoke.", "Lena Osei", "GPE", "person"),
        # An organisation's suffix inside the name.
        ("Mara Quist is the head of Heron Labs, a new group.", "Heron Labs", "PERSON", "org"),
        # An apposition that says what the name is.
        ("Vellum, the lab behind the Parley model, spoke.", "Vellum", "PERSON", "org"),
        ("Quillon, a startup in Lisbon, hired.", "Quillon", "GPE", "org"),
        ("Ilves, the chief executive, said so.", "Ilves", "ORG", "person"),
        # Nothing said: the NER model's type stands.
        ("Vellum released Parley on Monday.", "Vellum", "PERSON", "person"),
    ],
)
def test_what_a_sentence_says_of_a_name_outweighs_the_ner_guess(
    sentence: str, entity: str, ner_kind: str, expected: str
) -> None:
    start = sentence.index(entity)
    tags = SentenceTags(((start, start + len(entity), ner_kind),), (), frozenset({start}))
    merged = merge_spans(sentence, to_tagged(sentence, tags), rule_spans(sentence))
    (span,) = [s for s in merged if s.text == entity]
    assert (span.kind, span.from_ner) == (AnswerType(expected), True)


def test_type_fit_prefers_the_expected_type() -> None:
    assert type_fit(AnswerType.PERSON, AnswerType.PERSON, from_ner=True) == 1.0
    assert type_fit(AnswerType.PERSON, AnswerType.NAME, from_ner=False) > type_fit(
        AnswerType.PERSON, AnswerType.ORG, from_ner=True
    )
    assert type_fit(AnswerType.DATE, AnswerType.PERSON, from_ner=True) == 0.0
    assert type_fit(AnswerType.MONEY, AnswerType.NUMBER, from_ner=False) > 0.0


@pytest.mark.parametrize(
    "sentence",
    [
        "Orbital Labs, led by Mara Quist, raised money.",
        "Mara Quist, the chief executive of Orbital Labs, raised money.",
        "Orbital Labs chief executive Mara Quist raised money.",
        "Under the leadership of Mara Quist, Orbital Labs raised money.",
        "Mara Quist, CEO of Orbital Labs, raised money.",
        "Mara Quist is the head of Orbital Labs, which raised money.",
        "Mara Quist runs the lab that raised money.",
    ],
)
def test_role_patterns(sentence: str) -> None:
    span = _by_text(sentence)["Mara Quist"]
    assert role_bonus(sentence, span) == 1.0


def test_no_role_without_a_role_word() -> None:
    sentence = "Mara Quist visited Orbital Labs on a rainy day."
    assert role_bonus(sentence, _by_text(sentence)["Mara Quist"]) == 0.0


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who leads Orbital Labs?", True),
        ("Who led the team that built the arm?", True),
        ("Who ran the project behind the voice model?", True),
        ("Who headed the study?", True),
        ("Who oversaw the launch?", True),
        ("Who is Orbital Labs' chief executive?", True),
        ("Who sued Orbital Labs?", False),
        ("Who ranked first in the race?", False),
    ],
)
def test_a_question_asks_for_a_role_in_any_tense(question: str, asks: bool) -> None:
    assert asks_about_role(question) is asks


def test_stem_and_content_terms() -> None:
    assert stem("companies") == "company"
    assert stem("raised") == stem("raises") == stem("raise") == stem("raising") == "rais"
    assert stem("closed") == stem("close") == "clos"
    assert content_terms("Who raised the money for the startups?") == {"rais", "money", "startup"}


def test_a_share_given_as_a_range_is_one_candidate() -> None:
    spans = _by_text("Coding made up 15 to 25 percent of chats and 3-5% of calls.")
    assert spans["15 to 25 percent"].kind == AnswerType.PERCENT
    assert spans["3-5%"].kind == AnswerType.PERCENT
    # A change is not a range: where it ended is the share.
    assert "20 percent" in _by_text("The rate rose from 10 to 20 percent.")


def test_an_amount_is_said_by_the_question_only_where_it_writes_the_number_whole() -> None:
    question = "How much does Corvid 3.7 cost per million input tokens?"
    words = question_words(question)
    money = Span(0, 2, "$3", AnswerType.MONEY)
    assert repeated_words(money, words, frozenset(), question)[0] == 0.0
    assert repeated_words(money, words, frozenset())[0] == 1.0  # word by word, "3" is said
    said = Span(0, 3, "3.7", AnswerType.NUMBER)
    assert repeated_words(said, words, frozenset(), question)[0] == 1.0
    # A share of the words stays the word-wise one the ranker was fitted on.
    partly = Span(0, 12, "74.2 percent", AnswerType.PERCENT)
    asked = "What did Corvid 2.0 score, in percent?"
    assert repeated_words(partly, question_words(asked), frozenset(), asked)[0] == 2 / 3


def test_question_overlap_and_proximity() -> None:
    words = question_words("Who leads Orbital Labs in the US?")
    assert question_overlap("Orbital Labs", words) == 1.0
    assert question_overlap("US", words) == 1.0  # a stop word when lower-cased, still asked
    assert question_overlap("Mara Quist", words) == 0.0
    assert question_overlap("Orbital Robotics", words) == 0.5
    q_terms = content_terms("Who leads Orbital Labs?")
    sentence = "Mara Quist runs Orbital Labs, and years later a reporter, Tomas Hale, wrote a book."
    spans = _by_text(sentence)
    assert proximity(sentence, spans["Mara Quist"], q_terms) > proximity(
        sentence, spans["Tomas Hale"], q_terms
    )


@pytest.mark.slow
def test_entity_tagger_when_installed() -> None:
    tagger = load_entity_tagger()
    if tagger is None:
        pytest.skip("no packaged spaCy English model installed (the rule fallback is used)")
    sentences = [
        "Priya Raman joined Nimbus Robotics in Toronto on 3 May 2024 to build warehouse robots "
        "for $2 million."
    ]
    (spans,) = tagger.tag(sentences)
    for span in [*spans.entities, *spans.nouns]:
        assert sentences[0][span.start : span.end] == span.text
    assert all(span.from_ner for span in spans.entities)
    assert {"robots", "warehouse robots"} <= {span.text for span in spans.nouns}
    kinds = {span.text: span.kind for span in spans.entities}
    assert kinds.get("Priya Raman") == AnswerType.PERSON
    assert kinds.get("Toronto") == AnswerType.PLACE
    assert kinds.get("$2 million") == AnswerType.MONEY


@pytest.mark.slow
def test_entity_tagger_reuses_what_it_tagged_before() -> None:
    tagger = load_entity_tagger()
    if tagger is None:
        pytest.skip("no packaged spaCy English model installed (the rule fallback is used)")
    seen: list[str] = []
    analyzer = load_analyzer()
    assert analyzer is not None

    class Counting:
        def tag(self, sentences: Sequence[str]) -> list[SentenceTags]:
            seen.extend(sentences)
            return analyzer.tag(sentences)

    counting = EntityTagger(Counting(), cache_size=2)
    first = ["Tomas Ferreira opened a bakery in Lisbon.", "Rain fell on Tuesday."]
    fresh = counting.tag(first)
    again = counting.tag([first[1], "Mila Horvat sold 40 bikes.", first[1]])
    assert seen == [*first, "Mila Horvat sold 40 bikes."]  # the cached sentence was not re-run
    assert again[0] is fresh[1] and again[2] is fresh[1]
    assert [s.text for s in again[1].entities] == [
        s.text for s in tagger.tag(["Mila Horvat sold 40 bikes."])[0].entities
    ]
    counting.tag([first[0]])  # evicted by the size limit: tagged again
    assert seen[-1] == first[0]


def test_each_amount_of_a_tagged_pair_is_an_amount_the_tagger_typed() -> None:
    sentence = "Access costs $0.30/$2.40 per million input/output tokens."
    start = sentence.index("$0.30")
    pair = Span(start, start + len("$0.30/$2.40 per million"), "", AnswerType.MONEY, True)
    merged = merge_spans(sentence, Tagged([pair], [], frozenset()), rule_spans(sentence))
    amounts = {s.text: s.from_ner for s in merged if s.kind == AnswerType.MONEY}
    assert amounts == {"$0.30": True, "$2.40": True}
    # A range is one amount as the tagger typed it, at its start.
    sentence = "It raised $5 million to $10 million."
    start = sentence.index("$5")
    span = Span(start, len(sentence) - 1, "", AnswerType.MONEY, True)
    merged = merge_spans(sentence, Tagged([span], [], frozenset()), rule_spans(sentence))
    assert {s.text: s.from_ner for s in merged if s.kind == AnswerType.MONEY} == {
        "$5 million": True,
        "$10 million": False,
    }
