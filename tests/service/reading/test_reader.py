"""The built-in extractive reader, with the real embedder, on passages written for these tests."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.protocols import FloatMatrix
from indexer.text.analysis import encode, load_analyzer
from service.config import Settings
from service.reading.answer_types import AnswerType
from service.reading.calibration import (
    DEFAULT_PATH,
    Calibration,
    ConfidenceMap,
    VerdictModel,
    load_calibration,
    span_kind,
)
from service.reading.factory import build_reader
from service.reading.reader import FEATURES, ExtractiveReader, candidate_key
from service.reading.spans import Tagged
from service.reading.tagging import EntityTagger
from service.reading.topic import TOPIC_FEATURES
from service.reading.verdict import VERDICT_FEATURES
from service.types import Answer, RetrievalHit
from tests.service.conftest import article_texts, make_hits

PREFIX = "Earlier paragraph of the article that the chunk does not include.\n\n"

FUNDING = (
    "Quillfeather is a small robotics startup based in Porto. "
    "The company, led by Ines Calloway, builds warehouse arms. "
    "On Monday it said it had raised $48 million in a round that closed on 12 February 2026."
)
FUNDING_ELSEWHERE = (
    "Investors cheered the news. Ines Calloway, the chief executive of Quillfeather, "
    "said the money would pay for a second factory."
)
UNRELATED = (
    "The city council voted to repave Elm Street next summer. "
    "Residents complained about the noise from the old tram depot."
)


@pytest.fixture(scope="module", params=["passage", "transformer"])
def reader(
    request: pytest.FixtureRequest, embedder: SentenceTransformerEmbedder
) -> ExtractiveReader:
    """The reader with either source of dense similarity (the service's default is passage)."""
    return ExtractiveReader(embedder, abstain_threshold=0.0, sentence_vectors=request.param)


def _check_citations(answer: Answer, articles: dict[str, str]) -> None:
    assert answer.citations
    for citation in answer.citations:
        text = articles[citation.article_id]
        assert text[citation.start : citation.end].lower() == (answer.text or "").lower()
        assert text[citation.start : citation.end] in citation.quote
        assert citation.quote in text
        assert citation.source == "Test Wire"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who leads Quillfeather?", "Ines Calloway"),
        ("How much did Quillfeather raise?", "$48 million"),
        ("When did the funding round close?", "12 February 2026"),
        ("Where is Quillfeather based?", "Porto"),
    ],
)
def test_answers_with_a_typed_span_and_exact_article_offsets(
    reader: ExtractiveReader, question: str, expected: str
) -> None:
    hits = make_hits(UNRELATED, FUNDING, prefix=PREFIX)
    answer = reader.read(question, hits)
    assert not answer.abstained
    assert answer.text == expected
    assert 0.0 <= answer.confidence <= 1.0
    _check_citations(answer, article_texts(hits, PREFIX))
    # The quote is the whole sentence that holds the answer, not the chunk.
    assert answer.citations[0].quote.endswith(".")
    assert answer.citations[0].quote.count(". ") == 0


PLANS = (
    "Quillfeather sells its scheduling app to small shops. "
    "The basic plan costs $12 a month, while the team plan costs $99 a year. "
    "Its API charges $0.40 per million input tokens and $1.60 per million output tokens."
)
PAIRED_PRICES = (
    "Vellum Audio opened its transcription API to developers this spring. "
    "Access costs $0.30/$2.40 per million input/output tokens, with a discount for batches."
)
RIVAL_PRICES = (
    "Vellum Audio cut the price of its transcription API this spring. "
    "Vellum Audio now charges $0.30 per million input tokens and $2.40 per million output "
    "tokens, while Corvid charges $9 and $36."
)
SUMMIT = (
    "Quillfeather won the top prize at the Nordic Automation Summit, known as NAS, in Oslo this "
    "week. Regulators at the Digital Safety Board, or DSB, fined it on Tuesday in Bergen."
)
FOUNDING = (
    "Quillfeather was founded on 3 March 2019 in Porto, and it opened its Oslo office on "
    "June 27, 2024, 21 days after its funding round closed."
)
CODEC = (
    "Vellum Audio trained its Parley codec on 7 million hours of recorded speech, and Parley "
    "produces its first sound in 0.34 seconds."
)
ERROR_RATE = (
    "Vellum Audio says Parley mishears little: its word error rate on noisy calls was 0.07, "
    "and it transcribes 40 languages."
)


SPENDING = (
    "Four cloud companies set out what they will spend on data centres this year. "
    "Halvorsen leads with $105 billion of planned capital spending, up 35 percent on last year. "
    "Brightwater plans about $80 billion, which analysts expect could reach $94 billion. "
    "Quillfeather expects $65 billion, up from $39.2 billion."
)
BENCHMARK = (
    "On the MathBench 2024 test, Corvid 3 without reasoning scored 52 percent, and Corvid 3 "
    "mini 40 percent, ahead of Wren-V3 at 39 percent."
)
LICENSED = (
    "Halvorsen has released Wren 4, its first model that listens. The open-weights model has "
    "5 billion parameters. Its knowledge runs to June 2024, and it is distributed under the "
    "QZ-BY license, which allows commercial use."
)
VISION = (
    "Halvorsen has released Wren Vision, a pair of vision-language models in two sizes. Each "
    "model joins a language model, Tern 8B for the smaller and Tern 32B for the larger, with "
    "the QZ-9 vision encoder."
)
RESULTS = (
    "Halvorsen has released Wren 5, a reasoning model with 32.5 billion parameters. On the "
    "ZQ-Math competition test it scored 79.5 percent, far above Corvid 3 at 63.6 percent. On "
    "RiverBench it led both rivals with 73.1 percent, against 71.6 percent for Corvid 3."
)
UNITS = (
    "Tern 2 is the first model to come out of Halvorsen Labs, the Bergen unit led by Ilse "
    "Marten. Halvorsen Labs, a group that Corvid formed last year, has forty staff."
)
PEOPLE = (
    "Corvid chief executive Ilse Marten said the lab would open an office in Bergen. Marten "
    "joined Corvid from Halvorsen in 2023."
)
FAMILY = (
    "Halvorsen has released Wren 3, a family of open-weights language models in four sizes: "
    "1 billion, 4 billion, 12 billion and 27 billion parameters. The family covers 140 "
    "languages and reads up to 128,000 tokens."
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("passage", "question", "expected"),
    [
        (PLANS, "What does a year of Quillfeather's team plan cost?", "$99"),
        (PLANS, "How much is Quillfeather's basic plan each month?", "$12"),
        (PLANS, "What does Quillfeather's API charge per million output tokens?", "$1.60"),
        (PLANS, "What does Quillfeather's API charge per million input tokens?", "$0.40"),
        # A pair of amounts with a pair of qualifiers: each amount takes its own.
        (
            PAIRED_PRICES,
            "How much does Vellum Audio's API cost per million output tokens?",
            "$2.40",
        ),
        (PAIRED_PRICES, "How much does Vellum Audio's API cost per million input tokens?", "$0.30"),
        # Two bare amounts after a qualified pair: each takes the pair's qualifier in order.
        (RIVAL_PRICES, "What does Corvid charge per million input tokens?", "$9"),
        (RIVAL_PRICES, "What does Corvid charge per million output tokens?", "$36"),
        # What an acronym stands for: its expansion.
        (SUMMIT, "What does NAS stand for?", "Nordic Automation Summit"),
        (SUMMIT, "What is DSB short for?", "Digital Safety Board"),
        # A month or a year: that piece of the date, not the date or a duration.
        (FOUNDING, "In what month did Quillfeather open its Oslo office?", "June"),
        (FOUNDING, "In which year was Quillfeather founded?", "2019"),
        (FOUNDING, "In what month was Quillfeather founded?", "March"),
        # A length of time the tagger reads as a time of day or a date: a measure.
        (CODEC, "How many hours of speech was Parley trained on?", "7 million"),
        (CODEC, "How fast does Parley produce its first sound?", "0.34 seconds"),
        # A rate asked for may be written as a fraction of one.
        (ERROR_RATE, "What is Parley's word error rate?", "0.07"),
        # An amount of the asked name, not of the name before it (owners.py).
        (SPENDING, "How much capital spending does Quillfeather expect?", "$65 billion"),
        (BENCHMARK, "What did Corvid 3 mini score on MathBench 2024?", "40 percent"),
        (BENCHMARK, "What did Corvid 3 score on MathBench 2024?", "52 percent"),
        # A count is the number written before the counted kind.
        (FAMILY, "How many sizes does Wren 3 come in?", "four"),
        (FAMILY, "How many languages does Wren 3 cover?", "140"),
        # A result on a test: the share beside the test's name, not a size.
        (RESULTS, "What did Wren 5 score on RiverBench?", "73.1 percent"),
        (RESULTS, "What did Wren 5 score on the ZQ-Math competition test?", "79.5 percent"),
        # A made thing asked for: the candidate named beside its kind, not the maker.
        (LICENSED, "What license is Wren 4 released under?", "QZ-BY"),
        (LICENSED, "What license covers Wren 4's weights?", "QZ-BY"),
        (VISION, "Which vision encoder does Wren Vision use?", "QZ-9"),
        # What a name is: the description a sentence gives it, not its maker.
        (LICENSED, "What is Wren 4?", "its first model"),
        (VISION, "What is Wren Vision?", "a pair of vision-language models in two sizes"),
        (PEOPLE, "Who is Ilse Marten?", "Corvid chief executive"),
        # Of two descriptions, one that says more than a bare kind ("a group").
        (UNITS, "What is Halvorsen Labs?", "the Bergen unit led by Ilse Marten"),
    ],
)
def test_an_answer_takes_the_rate_and_the_form_the_question_asks_for(
    reader: ExtractiveReader, passage: str, question: str, expected: str
) -> None:
    """An amount answers only for the rate it is quoted at and for the name and kind it
    belongs to; an acronym's expansion, a month or a year where the question names that
    form."""
    answer = reader.read(question, make_hits(passage, UNRELATED))
    assert answer.text == expected


AUTHORS = (
    "Three officials will write the plan: Ines Calloway, the lab's chief scientist and a former "
    "managing director at Brightwater; Tomas Reyes, a venture investor named special advisor "
    "for robotics; and Mara Ellery, the national security advisor."
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the national security advisor among the plan's authors?", "Mara Ellery"),
        ("Which former Brightwater managing director will write the plan?", "Ines Calloway"),
    ],
)
def test_the_person_described_is_the_one_whose_part_of_a_list_says_so(
    reader: ExtractiveReader, question: str, expected: str
) -> None:
    answer = reader.read(question, make_hits(AUTHORS, UNRELATED))
    assert answer.text == expected


VOTING = (
    "Early voting began in Ohio and Nevada on Monday, and both states reported long queues. "
    "Officials in Ohio said turnout was the highest since 2010."
)


@pytest.mark.slow
def test_a_question_that_asks_for_two_things_is_answered_with_both(
    reader: ExtractiveReader,
) -> None:
    hits = make_hits(VOTING, UNRELATED)
    assert reader.read("Which two states began early voting on Monday?", hits).text == (
        "Ohio and Nevada"
    )
    # Asked for one, the ranker's own first candidate stands.
    single = reader.candidates("Which state began early voting on Monday?", hits)
    assert single[0].span.origin != "join"


OTHER_MODEL = (
    "Vellum Lens, a vision model from Vellum Audio, came out this spring. "
    "Both of its sizes handle text and images in 23 languages."
)
ASKED_MODEL = (
    "Quillfeather-7B is a reasoning model that Quillfeather trained with reinforcement learning. "
    "The model reads long documents and works in 29 languages."
)


@pytest.mark.slow
def test_a_passage_without_the_rare_name_asked_about_is_not_trusted(
    reader: ExtractiveReader, embedder: SentenceTransformerEmbedder
) -> None:
    question = "How many languages can Quillfeather-7B handle?"
    candidates = reader.candidates(question, make_hits(OTHER_MODEL, ASKED_MODEL))
    other = next(c for c in candidates if c.span.text == "23")
    asked = next(c for c in candidates if c.span.text.startswith("29"))
    assert other.features["rare_focus_missing"] == 1.0
    assert asked.features["rare_focus_missing"] == 0.0
    # One passage read names it: the question's name is not unknown to the news read.
    assert {c.features["rare_focus_nowhere"] for c in candidates} == {0.0}
    alone = reader.candidates(question, make_hits(OTHER_MODEL))
    assert alone and {c.features["rare_focus_nowhere"] for c in alone} == {1.0}
    # Only the other model's passage: its number answers a question about another name, and
    # the shipped maps trust it less than half as much as the same answer where the name
    # were read (0.16 against 0.33 when this was written).
    shipped = ExtractiveReader(embedder, abstain_threshold=Settings().abstain_threshold)
    best = shipped.candidates(question, make_hits(OTHER_MODEL))
    second = best[1].score if len(best) > 1 else None
    unread = shipped.calibration.confidence(best[0].score, second, best[0].features)
    as_if_read = dict(best[0].features, rare_focus_missing=0.0, rare_focus_nowhere=0.0)
    assert best[0].span.text == "23"
    assert unread < 0.5 * shipped.calibration.confidence(best[0].score, second, as_if_read)


OFFER = (
    "Brindle made a $3 billion offer for Halvorsen Labs last week. "
    "Halvorsen Labs chief executive Marta Okonkwo and the board turned it down, and Okonkwo "
    "joked that he should sell Pinwheel instead."
)


@pytest.mark.slow
def test_a_surname_is_a_person_and_a_lone_person_a_name_of_unknown_kind(
    reader: ExtractiveReader,
) -> None:
    # The small tagger types "Okonkwo" alone an organisation and "Brindle" a person; the full
    # name beside the first says who is a person.
    question = "Who is the Halvorsen Labs boss that turned down the $3 billion offer?"
    found = {c.span.text: c for c in reader.candidates(question, make_hits(OFFER))}
    assert found["Okonkwo"].span.kind == AnswerType.PERSON
    assert found["Okonkwo"].features["type_fit"] == 1.0
    assert found["Brindle"].span.kind == AnswerType.NAME
    assert found["Brindle"].features["type_fit"] < 1.0


@pytest.mark.slow
def test_never_answers_with_what_the_question_says(reader: ExtractiveReader) -> None:
    answer = reader.read("Which startup is led by Ines Calloway?", make_hits(FUNDING))
    assert answer.text is not None
    assert "calloway" not in answer.text.lower()
    assert answer.text == "Quillfeather"


@pytest.mark.slow
def test_a_name_that_says_the_asked_kind_is_not_what_the_question_says(
    reader: ExtractiveReader,
) -> None:
    # "Which university": "University of Tallin" repeats only the kind asked for.
    text = "Pellucid was built by Aino Rebane and colleagues from the University of Tallin."
    found = {
        c.span.text: c
        for c in reader.candidates("Which university is behind Pellucid?", make_hits(text))
    }
    assert found["University of Tallin"].features.get("overlap", 0.0) == 0.0
    assert found["University of Tallin"].features["names_kind"] == 1.0
    assert found["Aino Rebane"].features["names_kind"] == 0.0
    assert "University" not in found  # the kind alone is still what the question says


@pytest.mark.slow
def test_the_tenth_best_sentence_is_still_read(reader: ExtractiveReader) -> None:
    # Eight sentences share more of the question's words than the one that answers it.
    filler = " ".join(f"Quillfeather keeps vault plan number {n} secret." for n in range(1, 9))
    hits = make_hits(filler + " The vault sits in Tromso.")
    question = "Where does Quillfeather keep its vault?"
    assert [s.text for s in reader.select_sentences(question, hits)][8].endswith("Tromso.")
    assert "Tromso" in {c.span.text for c in reader.candidates(question, hits)}


@pytest.mark.slow
def test_support_across_articles_is_cited(reader: ExtractiveReader) -> None:
    hits = make_hits((FUNDING, "a-1"), (UNRELATED, "a-2"), (FUNDING_ELSEWHERE, "a-3"))
    candidates = reader.candidates("Who is the boss of Quillfeather?", hits)
    best = candidates[0]
    assert best.span.text == "Ines Calloway"
    assert best.features["support"] > 0
    answer = reader.answer_from(candidates)
    assert {c.article_id for c in answer.citations} == {"a-1", "a-3"}
    _check_citations(answer, article_texts(hits))


@pytest.mark.slow
def test_features_are_the_ones_the_calibration_knows(reader: ExtractiveReader) -> None:
    candidates = reader.candidates("Who leads Quillfeather?", make_hits(FUNDING))
    assert candidates
    for candidate in candidates:
        # ... and the values per question the confidence model reads besides them
        assert set(candidate.features) == {*FEATURES, "question_length", "rare_focus_nowhere"}
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)


def test_recency_is_measured_from_the_newest_article_read(reader: ExtractiveReader) -> None:
    older = make_hits((FUNDING, "a-old"), published_at=date(2026, 1, 1))
    newer = make_hits((FUNDING_ELSEWHERE, "a-new"), published_at=date(2026, 3, 2))
    candidates = reader.candidates("Who is the boss of Quillfeather?", newer + older)
    by_article = {c.sentence.chunk.article_id: c.features["recency"] for c in candidates}
    assert by_article["a-new"] == 1.0
    assert 0.0 < by_article["a-old"] < 0.5  # two months older: under one half-life's worth


@pytest.mark.slow
def test_relevant_passages_give_more_confidence_than_unrelated_ones(
    reader: ExtractiveReader,
) -> None:
    question = "Who leads Quillfeather?"
    relevant = reader.candidates(question, make_hits(FUNDING))
    unrelated = reader.candidates(question, make_hits(UNRELATED))
    assert relevant[0].score > unrelated[0].score
    # The isotonic map is monotone but flat in places, so confidences may tie, never invert.
    assert reader.answer_from(relevant).confidence >= reader.answer_from(unrelated).confidence


@pytest.mark.slow
def test_abstains_below_the_threshold(embedder: SentenceTransformerEmbedder) -> None:
    question, hits = "Who leads Quillfeather?", make_hits(FUNDING)
    confident = ExtractiveReader(embedder, abstain_threshold=0.0).read(question, hits)
    assert confident.confidence < 1.0
    strict = ExtractiveReader(embedder, abstain_threshold=min(1.0, confident.confidence + 1e-6))
    answer = strict.read(question, hits)
    assert answer.abstained
    assert answer.text is None
    assert answer.citations == ()
    assert answer.confidence == pytest.approx(confident.confidence)


@pytest.mark.slow
def test_no_passages_means_abstain(reader: ExtractiveReader) -> None:
    answer = reader.read("Who leads Quillfeather?", [])
    assert answer == Answer(text=None, abstained=True, confidence=0.0)


@pytest.mark.slow
def test_patterns_alone_still_answer(embedder: SentenceTransformerEmbedder) -> None:
    rules_only = ExtractiveReader(embedder, abstain_threshold=0.0, tagger=False)
    hits = make_hits(UNRELATED, FUNDING_ELSEWHERE, FUNDING, prefix=PREFIX)
    answer = rules_only.read("Who leads Quillfeather?", hits)
    assert answer.text == "Ines Calloway"
    _check_citations(answer, article_texts(hits, PREFIX))


@pytest.mark.slow
def test_build_reader(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    assert isinstance(build_reader("builtin", embedder), ExtractiveReader)
    with pytest.raises(ValueError, match="no-such-reader"):
        build_reader("no-such-reader", embedder)
    with pytest.raises(ValueError, match="abstain_threshold"):
        ExtractiveReader(embedder, abstain_threshold=1.5)


def test_candidate_key() -> None:
    assert candidate_key("The  Washington Football Team!") == "washington football team"
    assert candidate_key("Gotta go to Mo\u2019s") == candidate_key("gotta go to mo's")


def test_calibration_round_trip_and_monotone_confidence() -> None:
    span = ConfidenceMap({"top": 4.0, "margin": 2.0}, -2.5, (0.0, 0.5, 1.0), (0.1, 0.4, 0.9))
    verdict = ConfidenceMap({"p": 3.0}, -1.0)
    calibration = Calibration(
        confidence_maps={"span": span, "verdict": verdict},
        verdict=VerdictModel({"support_min": 2.0}, -0.5),
    )
    again = Calibration.from_json(calibration.to_json())
    assert again == calibration
    features = {"dense": 0.5, "keyword": 0.5, "type_fit": 1.0, "support": 0.0}
    low = again.confidence(0.0, 0.0, features)
    high = again.confidence(3.0, -1.0, features)
    assert 0.0 <= low <= high <= 1.0
    # Each kind of answer has its own map; an unknown kind falls back on the span map.
    assert again.probability({"p": 0.9}, "verdict") == pytest.approx(
        verdict.probability({"p": 0.9})
    )
    assert again.probability({"top": 0.9}, "other") == span.probability({"top": 0.9})
    # A file fitted before a kind existed gets that kind's hand-set map, not the span map.
    shared = {"spread": 1.0, "margin": 1.0}
    assert again.probability(shared, "topic") == Calibration().probability(shared, "topic")
    assert again.probability(shared, "topic") != span.probability(shared)
    assert again.verdict.p_yes({"support_min": 1.0}) > again.verdict.p_yes({"support_min": 0.0})


def test_dated_and_undated_spans_have_their_own_maps() -> None:
    dated = ConfidenceMap({"top": 4.0, "stale": -3.0}, -1.0)
    undated = ConfidenceMap({"top": 2.0}, -2.0)
    calibration = Calibration(confidence_maps={"span": dated, "span_undated": undated})
    fresh = {"dated": 1.0, "stale": 0.1}
    old = {"dated": 1.0, "stale": 0.9}
    assert span_kind(fresh) == "span"
    assert span_kind({"dated": 0.0}) == span_kind({}) == "span_undated"
    assert calibration.confidence(1.0, None, fresh) == pytest.approx(
        dated.probability({"top": 1 / (1 + math.exp(-1.0)), "stale": 0.1})
    )
    # A year-old story is weaker evidence of what the asked week's news said.
    assert calibration.confidence(1.0, None, old) < calibration.confidence(1.0, None, fresh)
    assert calibration.confidence(1.0, None, {}) == pytest.approx(
        undated.probability({"top": 1 / (1 + math.exp(-1.0))})
    )
    # A file fitted before the undated map existed reads every span with its span map.
    single = Calibration(confidence_maps={"span": dated})
    assert single.confidence(1.0, None, {}) == pytest.approx(
        dated.probability({"top": 1 / (1 + math.exp(-1.0))})
    )


def test_committed_calibration_covers_every_feature() -> None:
    assert DEFAULT_PATH.is_file(), "service/reading/calibration.json must be committed"
    calibration = load_calibration()
    assert set(calibration.ranker.features) == set(FEATURES)
    assert set(calibration.confidence_maps) == {"span", "span_undated", "verdict", "topic"}
    assert set(calibration.verdict.weights) == set(VERDICT_FEATURES)
    assert set(calibration.confidence_maps["topic"].weights) == set(TOPIC_FEATURES)
    for confidence in calibration.confidence_maps.values():
        assert list(confidence.isotonic_x) == sorted(confidence.isotonic_x)
        assert all(0.0 <= y <= 1.0 for y in confidence.isotonic_y)
    # Small enough to ship: a few MB at most.
    assert DEFAULT_PATH.stat().st_size < 3_000_000


def test_a_broken_calibration_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "calibration.json"
    broken.write_text('{"weights": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match=str(broken)):
        load_calibration(broken)


class _CountingEmbedder:
    """The real embedder, counting the texts each call of embed_documents gets."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.max_seq_length = inner.max_seq_length

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        self.calls.append(list(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> FloatMatrix:
        return self.inner.embed_query(text)


@pytest.mark.slow
def test_sentence_vectors_are_reused_and_change_nothing(
    embedder: SentenceTransformerEmbedder,
) -> None:
    counting = _CountingEmbedder(embedder)
    reader = ExtractiveReader(counting, abstain_threshold=0.0, sentence_vectors="transformer")
    hits = make_hits(UNRELATED, FUNDING_ELSEWHERE, FUNDING, prefix=PREFIX)
    first = reader.candidates("Who leads Quillfeather?", hits)
    assert len(counting.calls) == 1 and counting.calls[0]
    again = reader.candidates("Who leads Quillfeather?", hits)
    assert len(counting.calls) == 1  # every sentence vector came from the cache
    assert [(c.key, c.score) for c in again] == [(c.key, c.score) for c in first]
    # Another question over partly new passages embeds only the sentences not seen before.
    reader.candidates("Where is Quillfeather based?", make_hits(FUNDING, "Porto is rainy."))
    assert counting.calls[1:] == [["Porto is rainy."]]


@pytest.mark.slow
def test_dense_similarity_comes_from_the_passage_or_each_sentence(
    embedder: SentenceTransformerEmbedder,
) -> None:
    hits = make_hits(FUNDING, UNRELATED, FUNDING_ELSEWHERE)
    # The dense leg missed the last passage: it scores as the lowest cosine the leg reported.
    hits[2] = replace(hits[2], dense_score=None)
    question = "Who leads Quillfeather?"
    passage = ExtractiveReader(embedder, abstain_threshold=0.0)
    by_passage = {s.text: s.dense for s in passage.select_sentences(question, hits)}
    assert by_passage["Residents complained about the noise from the old tram depot."] == 0.55
    assert by_passage["Investors cheered the news."] == 0.55  # the floor
    assert by_passage["Quillfeather is a small robotics startup based in Porto."] == 0.6

    sentence = ExtractiveReader(embedder, abstain_threshold=0.0, sentence_vectors="transformer")
    by_sentence = {s.text: s.dense for s in sentence.select_sentences(question, hits)}
    led_by = "The company, led by Ines Calloway, builds warehouse arms."
    expected = embedder.embed_documents([led_by])[0] @ embedder.embed_query(question)
    assert by_sentence[led_by] == pytest.approx(float(expected), abs=1e-5)
    assert (
        by_sentence[led_by]
        > by_sentence["Residents complained about the noise from the old tram depot."]
    )


@pytest.mark.slow
def test_an_unknown_sentence_vector_source_is_refused(
    embedder: SentenceTransformerEmbedder,
) -> None:
    with pytest.raises(ValueError, match="sentence_vectors must be 'passage' or 'transformer'"):
        ExtractiveReader(embedder, sentence_vectors="static")  # type: ignore[arg-type]


def _with_stored_analysis(
    hits: list[RetrievalHit], analysis: str | None = None
) -> list[RetrievalHit]:
    """The hits as an index with sentence analysis returns them (or with `analysis` instead)."""
    analyzer = load_analyzer()
    assert analyzer is not None
    stored = [encode(found) for found in analyzer.analyse([h.chunk.text for h in hits])]
    return [
        replace(h, chunk=replace(h.chunk, analysis=analysis if analysis is not None else text))
        for h, text in zip(hits, stored, strict=True)
    ]


class _CountingTagger(EntityTagger):
    def __init__(self) -> None:
        analyzer = load_analyzer()
        assert analyzer is not None
        super().__init__(analyzer, cache_size=1)
        self.sentences: list[str] = []

    def tag(self, sentences: Sequence[str]) -> list[Tagged]:
        self.sentences.extend(sentences)
        return super().tag(sentences)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question", ["Who leads Quillfeather?", "How much did Quillfeather raise?"]
)
def test_stored_sentence_analysis_replaces_tagging_and_changes_nothing(
    embedder: SentenceTransformerEmbedder, question: str
) -> None:
    if load_analyzer() is None:
        pytest.skip("no packaged spaCy English model installed")
    hits = make_hits(FUNDING, FUNDING_ELSEWHERE, UNRELATED, prefix=PREFIX)
    tagger = _CountingTagger()
    reader = ExtractiveReader(embedder, abstain_threshold=0.0, tagger=tagger)
    live = reader.read(question, hits)
    assert tagger.sentences  # plain chunks: the reader tags what it reads
    tagger.sentences.clear()
    stored = reader.read(question, _with_stored_analysis(hits))
    assert tagger.sentences == []  # stored analysis: nothing is tagged at question time
    assert stored == live
    # An analysis that cannot be read is not trusted: the reader tags instead.
    broken = reader.read(question, _with_stored_analysis(hits, analysis="[[0, 99999, [], [], []]]"))
    assert tagger.sentences and broken == live


_NO_SPACY_SCRIPT = """
import sys
from dataclasses import replace
from datetime import date
from service.reading.reader import ExtractiveReader
from tests.service.conftest import make_hits
text = "The company, led by Ines Calloway, builds warehouse arms."
# What the indexer stores for this sentence: one PERSON entity, one noun phrase.
analysis = '[[0, 57, [[20, 33, "PERSON"]], [[42, 56]], [20, 25]]]'
hits = [replace(h, chunk=replace(h.chunk, analysis=analysis)) for h in make_hits(text)]
reader = ExtractiveReader(object(), abstain_threshold=0.0)  # passage vectors: no embedder calls
answer = reader.read("Who leads the company?", hits)
assert answer.text == "Ines Calloway", answer
assert "spacy" not in sys.modules, "spaCy was loaded"
print("ok")
"""


def test_stored_analysis_means_spacy_is_never_loaded() -> None:
    if load_analyzer() is None:
        pytest.skip("no packaged spaCy English model installed")
    done = subprocess.run(
        [sys.executable, "-c", _NO_SPACY_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
