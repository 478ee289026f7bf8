"""Questions that describe their answer through several outlets' reports: the shared subject,
with the real spaCy tagger, on articles written for these tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.text.analysis import SentenceAnalyzer
from service.reading.asked import read_question
from service.reading.calibration import Calibration, ConfidenceMap
from service.reading.reader import ExtractiveReader
from service.reading.tagging import EntityTagger
from service.reading.topic import TOPIC_FEATURES, decide_topic, describes_entity, subjects
from service.types import RetrievalHit
from tests.service.conftest import article_texts, make_hits

TRIAL = (
    "Marisol Tenbrook, who founded the payments exchange Kestrel Pay, went on trial in Boston "
    "on Monday. Prosecutors said Tenbrook moved customer money into a sister trading fund."
)
BOARD = (
    "A jury heard that Tenbrook had promised investors a board of outside experts. "
    "Her lawyer, Daniel Okafor, told the court she was overwhelmed by the exchange's growth."
)
REGULATOR = (
    "Priya Anand, who chairs the Northshore Markets Authority, said exchanges must keep client "
    "funds apart from their own."
)
QUESTION = (
    "Who is the individual who founded a payments exchange, is accused of moving customer money "
    "into a trading fund as reported by Daily Chip, and promised investors a board of experts "
    "according to Example Wire?"
)
OUTLETS = frozenset({"Daily Chip", "Example Wire"})


def _from(hits: list[RetrievalHit], *sources: str) -> list[RetrievalHit]:
    """The hits with their chunks' outlets set, in order."""
    return [
        replace(hit, chunk=replace(hit.chunk, source=source))
        for hit, source in zip(hits, sources, strict=True)
    ]


def _named(question: str) -> frozenset[str]:
    return frozenset(o for o in OUTLETS if o in question)


@pytest.fixture(scope="module")
def reader(embedder: SentenceTransformerEmbedder, analyzer: SentenceAnalyzer) -> ExtractiveReader:
    return ExtractiveReader(embedder, abstain_threshold=0.25, tagger=EntityTagger(analyzer))


def test_only_long_questions_that_name_outlets_describe_their_answer() -> None:
    assert describes_entity(QUESTION, _named(QUESTION))
    assert not describes_entity("Who founded Kestrel Pay, according to Daily Chip?", OUTLETS)
    assert not describes_entity(QUESTION, frozenset())
    # One outlet cited ("According to Daily Chip, ...") is a question of one sentence.
    assert not describes_entity(QUESTION, frozenset({"Daily Chip"}))


def test_the_name_most_articles_share_wins_with_its_aliases_joined(
    reader: ExtractiveReader,
) -> None:
    hits = _from(make_hits(TRIAL, BOARD, REGULATOR), "Daily Chip", "Example Wire", "Test Wire")
    ranked, articles = subjects(read_question(QUESTION), hits, OUTLETS, reader._tags)
    assert articles == 3
    key, best = ranked[0]
    assert key == "marisol tenbrook"
    assert set(best.first) == {"art-0", "art-1"}  # "Tenbrook" in the second joined the first
    assert best.name(person=True) == "Marisol Tenbrook"
    # Only people are read for "who": the authority is no candidate.
    assert all("authority" not in k for k, _ in ranked)
    # The runner-up is in one article only.
    assert all(len(s.first) == 1 for _, s in ranked[1:])


def test_a_name_the_question_gives_is_never_its_answer(reader: ExtractiveReader) -> None:
    question = QUESTION.replace("promised investors", "was defended by Marisol Tenbrook and")
    hits = _from(make_hits(TRIAL, BOARD, REGULATOR), "Daily Chip", "Example Wire", "Test Wire")
    ranked, _ = subjects(read_question(question), hits, OUTLETS, reader._tags)
    assert ranked and all("tenbrook" not in key for key, _ in ranked)


def test_the_reader_quotes_the_shared_subject_and_cites_each_article(
    reader: ExtractiveReader,
) -> None:
    prefix = "An earlier paragraph the chunk leaves out.\n\n"
    hits = _from(
        make_hits(TRIAL, BOARD, REGULATOR, prefix=prefix), "Daily Chip", "Example Wire", "Test Wire"
    )
    answer = reader.read(QUESTION, hits, outlets=_named)
    assert (answer.text, answer.abstained) == ("Marisol Tenbrook", False)
    assert 0.0 < answer.confidence <= 1.0
    texts = article_texts(hits, prefix)
    first, second = answer.citations[:2]
    assert texts[first.article_id][first.start : first.end] == "Marisol Tenbrook"
    assert (first.article_id, second.article_id) == ("art-0", "art-1")
    assert texts[second.article_id][second.start : second.end] == "Tenbrook"
    assert second.quote.startswith("A jury heard that Tenbrook")


def test_organisations_are_quoted_by_their_most_used_name(reader: ExtractiveReader) -> None:
    hits = _from(
        make_hits(
            "Halvorsen Motors recalled 40,000 vans over faulty brakes. Halvorsen said no one "
            "was hurt, and Halvorsen dealers will fix the vans for free.",
            "Halvorsen opened a battery plant in Ohio this spring, the company said.",
            "Rival carmaker Brindle Auto said its own vans were not affected.",
        ),
        "Daily Chip",
        "Example Wire",
        "Test Wire",
    )
    question = (
        "Which company, reported by Daily Chip for recalling vans over faulty brakes, opened a "
        "battery plant in Ohio according to Example Wire this spring?"
    )
    reading = reader.topic(question, hits, _named(question))
    assert reading is not None
    assert reading.text == "Halvorsen"  # said three times, against once for the full name
    assert set(reading.features) == set(TOPIC_FEATURES)
    assert reading.features["spread"] == pytest.approx(2 / 3)
    assert reading.features["outlet_cover"] == 1.0


def test_a_subject_below_the_threshold_falls_back_to_the_span_reader(
    reader: ExtractiveReader,
) -> None:
    hits = _from(make_hits(TRIAL, BOARD, REGULATOR), "Daily Chip", "Example Wire", "Test Wire")
    reading = reader.topic(QUESTION, hits, _named(QUESTION))
    never = Calibration(confidence_maps={"span": ConfidenceMap(), "topic": ConfidenceMap({}, -9)})
    shared = decide_topic(reading, never, abstain_threshold=0.25)
    assert shared.abstained and shared.text is None
    fallback = reader.with_calibration(never).read(QUESTION, hits, outlets=_named)
    assert fallback.text != "Marisol Tenbrook" or fallback.confidence != shared.confidence
    assert decide_topic(None, never, 0.0).abstained  # no name of the kind: nothing to say
