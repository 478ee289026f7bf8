"""Yes/no questions: claims, a verdict with the sentences it rests on, or unknown."""

from __future__ import annotations

from service.reading.calibration import Calibration, ConfidenceMap, VerdictModel, load_calibration
from service.reading.verdict import decide, gather, yes_no_question
from tests.service.conftest import make_hits

BRIGHTWATER = (
    "Brightwater, a startup that designs low-power chips for speech recognition, raised "
    "30 million dollars in a round led by Harbor Ventures."
)
NORLAND = "The Norland Labour Authority opened a review of automated hiring tools."
TWO_CLAIMS = (
    "Does the Daily Chip article report that Brightwater raised 30 million dollars, while the "
    "Example Wire article says the Norland Labour Authority opened a review of hiring tools?"
)


def test_yes_no_questions_are_cut_into_claims() -> None:
    asked = yes_no_question(TWO_CLAIMS)
    assert asked is not None and len(asked.claims) == 2
    assert "Brightwater raised 30 million dollars" in asked.claims[0]
    choice = yes_no_question("Is the coverage of the two reports consistent or inconsistent?")
    assert choice is not None and choice.choice == ("consistent", "inconsistent")
    assert yes_no_question("Who leads Brightwater?") is None
    assert yes_no_question("How much did Brightwater raise?") is None


def test_a_verdict_cites_the_sentence_behind_each_claim() -> None:
    asked = yes_no_question(TWO_CLAIMS)
    assert asked is not None
    hits = make_hits(BRIGHTWATER, NORLAND)
    answer = decide(asked, hits, load_calibration(), abstain_threshold=0.2)
    assert answer.verdict in ("yes", "no")
    assert answer.text == answer.verdict.capitalize()
    assert not answer.abstained and 0.0 < answer.confidence < 1.0
    assert {c.quote for c in answer.citations} == {BRIGHTWATER, NORLAND}
    for citation in answer.citations:  # a verdict's citation is its whole evidence sentence
        assert citation.end - citation.start == len(citation.quote)


def test_the_verdict_follows_the_fitted_model() -> None:
    asked = yes_no_question(TWO_CLAIMS)
    assert asked is not None
    hits = make_hits(BRIGHTWATER, NORLAND)
    maps = {"span": ConfidenceMap(), "verdict": ConfidenceMap({"p": 1.0}, 0.0)}
    says_no = Calibration(confidence_maps=maps, verdict=VerdictModel({}, -3.0))
    says_yes = Calibration(confidence_maps=maps, verdict=VerdictModel({}, 3.0))
    assert decide(asked, hits, says_no, 0.0).verdict == "no"
    assert decide(asked, hits, says_yes, 0.0).verdict == "yes"


def test_passages_that_do_not_speak_to_the_question_give_unknown() -> None:
    asked = yes_no_question("Did Glacier Compute open a lake-cooled data center in Norway?")
    assert asked is not None
    hits = make_hits(BRIGHTWATER, NORLAND)
    assert not gather(asked, hits).found
    answer = decide(asked, hits, load_calibration(), abstain_threshold=0.2)
    assert (answer.verdict, answer.text, answer.abstained) == ("unknown", None, True)
    assert answer.citations == ()


def test_a_claim_about_an_outlet_needs_that_outlets_article() -> None:
    asked = yes_no_question(TWO_CLAIMS)
    assert asked is not None
    hits = make_hits(BRIGHTWATER, NORLAND)  # every passage is from "Test Wire"
    named = {"daily chip": "Daily Chip", "example wire": "Example Wire"}

    def outlets(text: str) -> frozenset[str]:
        return frozenset(v for k, v in named.items() if k in text.lower())

    answer = decide(asked, hits, load_calibration(), 0.2, outlets=outlets)
    assert answer.verdict == "unknown" and answer.abstained
