"""The thing a name owns answering a question that asks for that kind of thing, not the owner."""

from __future__ import annotations

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.context import Candidate
from service.reading.possessed import owned_thing_first
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import Span
from service.reading.terms import candidate_key
from tests.service.conftest import make_hits

PLATFORM = read_question("What platform runs the decoy pages?")


def _read(text: str) -> ReadSentence:
    return sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]


def _ranked(read: ReadSentence, *names: str, places: tuple[str, ...] = ()) -> list[Candidate]:
    """Names of a sentence in the order given, scored from 0 down, each a name in capitals
    unless written in lower case; those in `places` typed as places."""
    out = []
    for place, name in enumerate(names):
        start = read.text.index(name)
        kind = AnswerType.PLACE if name in places else AnswerType.NAME
        span = Span(start, start + len(name), name, kind)
        capitals = 1.0 if all(w[:1].isupper() for w in name.split()) else 0.0
        out.append(
            Candidate(
                candidate_key(name), span, read, {"capitalised": capitals}, score=-float(place)
            )
        )
    return out


def test_the_name_between_the_owner_and_the_asked_kind_answers() -> None:
    read = _read("The decoy pages come from a model on Halvorsen's Wren Cloud platform.")
    first = owned_thing_first(_ranked(read, "Halvorsen", "Wren Cloud"), PLATFORM)
    assert first[0].span.text == "Wren Cloud"
    assert first[0].score == 0.0  # the two swap scores


def test_the_name_set_beside_the_owned_phrase_answers() -> None:
    read = _read("It runs on Corvid Graph, Halvorsen's agent framework, and splits the work.")
    asked = read_question("What framework does the agent run on?")
    ranked = _ranked(read, "Halvorsen", "agent framework", "Corvid Graph")
    assert owned_thing_first(ranked, asked)[0].span.text == "Corvid Graph"
    # Only a comma between them sets the name beside the phrase.
    apart = _read("Corvid Graph shipped early, Halvorsen's agent framework a week later.")
    ranked = _ranked(apart, "Halvorsen", "Corvid Graph")
    assert owned_thing_first(ranked, asked) == ranked


def test_the_name_right_after_the_owned_phrase_answers() -> None:
    read = _read("The memo came from Halvorsen's chief scientist Ines Calloway on Monday.")
    asked = read_question("Who is the chief scientist at Halvorsen?")
    ranked = _ranked(read, "Halvorsen", "Ines Calloway")
    assert owned_thing_first(ranked, asked)[0].span.text == "Ines Calloway"


def test_the_ranking_stands_unless_the_first_candidate_owns_the_asked_kind() -> None:
    # No possessive after the first candidate.
    plain = _read("Halvorsen runs the decoy pages on Wren Cloud, a platform it built.")
    ranked = _ranked(plain, "Halvorsen", "Wren Cloud")
    assert owned_thing_first(ranked, PLATFORM) == ranked
    # It owns something else than the asked kind.
    other = _read("The pages sit in Halvorsen's Wren Cloud storage beside its own platform.")
    ranked = _ranked(other, "Halvorsen", "Wren Cloud")
    assert owned_thing_first(ranked, PLATFORM) == ranked
    # A place between the owner and the kind says where its thing is: the owner is asked.
    store = _read("Part of Halvorsen's Corvid Vale supermarket will be let as offices.")
    ranked = _ranked(store, "Halvorsen", "Corvid Vale", places=("Corvid Vale",))
    supermarket = read_question("Which supermarket will let out office space?")
    assert owned_thing_first(ranked, supermarket) == ranked
    # So is the owner where the question asks whose ("which company's platform").
    ranked = _ranked(
        owner_sentence := _read(
            "The decoy pages come from a model on Halvorsen's Wren Cloud platform."
        ),
        "Halvorsen",
        "Wren Cloud",
    )
    whose = read_question("Which company's platform runs the decoy pages?")
    assert owner_sentence.text and owned_thing_first(ranked, whose) == ranked
    # A question that asks for no kind of thing.
    owner = _read("The decoy pages come from a model on Halvorsen's Wren Cloud platform.")
    ranked = _ranked(owner, "Halvorsen", "Wren Cloud")
    assert owned_thing_first(ranked, read_question("Who runs the decoy pages?")) == ranked
    # The owned thing of another sentence, or a phrase in lower case, does not answer.
    hits = make_hits(
        "The decoy pages come from a model on Halvorsen's new platform.",
        "Wren Cloud hosts the decoy pages.",
    )
    here, there = (sentences_of(0, hit.chunk, use_stored=False)[0] for hit in hits)
    apart = _ranked(here, "Halvorsen") + _ranked(there, "Wren Cloud")
    apart[1].score = -1.0
    assert owned_thing_first(apart, PLATFORM) == apart
    lower = _ranked(here, "Halvorsen", "new platform")
    assert owned_thing_first(lower, PLATFORM) == lower
