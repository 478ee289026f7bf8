"""Bridge questions: a thing described but not named, then a question about it.

"The startup that made Muse Spark: how much did it raise?" asks two things in a row. No single
sentence need say both: one article says who made Muse Spark, another how much that company
raised. So the question is cut in two (`parse_bridge`): a first question that names the thing
("Which startup made Muse Spark?"), and the second with that name in place of the pronoun that
points back at it ("How much did <name> raise?"). `read_bridged` reads the first over the
question's own passages, searches again with the second, reads it, and answers with both
citations: the second's, then the sentence that named the thing. Its confidence is the product
of the two (both must be right); where either read abstains or the product falls below the
threshold, the caller reads the question as it was asked, as for any other question.

The shapes understood: a description first, then the question after a colon, a semicolon or
a comma ("For the lab that built Wren, who leads it?"); the description is "the <noun> that /
which / who / whose <clause>", and the question points back with a pronoun ("it", "its",
"they", "their", "she", "his", ...) or "that / this / the same <noun>". "The country whose
regulator fined X: who leads that regulator?" asks first for the regulator ("Which regulator
fined X?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.types import Answer, ReadPassages, RetrievalHit, SearchAgain

_DESCRIPTION = re.compile(
    r"^\s*(?:(?:for|about|as for|regarding|consider|take)\s+)?(?P<description>the\s+"
    r"(?P<head>[\w'\u2019-]+(?:\s+[\w'\u2019-]+){0,2}?)\s+(?P<rel>that|which|who|whose)\s+"
    r"(?P<clause>[^:;,?]+?))\s*[:;,]\s*(?P<ask>.+)$",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|did|does|do|is|was|are|were|has|have|"
    r"had|can|could|will|would)\b",
    re.IGNORECASE,
)
_POINTER = re.compile(
    r"\b(?:(?P<owner>its|their|his|her(?=\s+\w))|(?P<plain>it|they|them|he|she|him|her)|"
    r"(?:that|this|the same)\s+(?P<noun>[\w'\u2019-]+))\b",
    re.IGNORECASE,
)
_PLACE = "\x00"  # where the name goes in the second question


@dataclass(frozen=True)
class BridgeQuestion:
    """A question about a thing it describes: the question that names the thing, and the
    question about it (with `_PLACE` where the name goes)."""

    description: str
    first: str
    then: str

    def second(self, name: str) -> str:
        """The second question with the name the first read found."""
        return self.then.replace(_PLACE, name)


def parse_bridge(question: str) -> BridgeQuestion | None:
    """The two questions of a bridge question, or None for any other question."""
    match = _DESCRIPTION.match(question.strip())
    if match is None:
        return None
    head, rel, clause = match.group("head"), match.group("rel").lower(), match.group("clause")
    ask = match.group("ask").strip()
    pointer = _POINTER.search(ask)
    if not _ASKS.match(ask) or pointer is None:
        return None
    noun = (pointer.group("noun") or "").lower()
    clause_words = clause.split()
    if rel == "whose" and noun and clause_words and clause_words[0].lower() == noun:
        # "the country whose regulator fined X" + "that regulator": the regulator is meant.
        first = f"Which {' '.join(clause_words)}?"
    elif rel == "whose":
        first = f"Which {head}'s {clause}?"
    else:
        first = f"Which {head} {clause}?"
    name = f"{_PLACE}'s" if pointer.group("owner") else _PLACE
    then = ask[: pointer.start()] + name + ask[pointer.end() :]
    return BridgeQuestion(match.group("description"), first, then[:1].upper() + then[1:])


@dataclass(frozen=True)
class Bridged:
    """The second read's answer with the first's citation after its own, the name the first
    read found, and the second search's passages."""

    answer: Answer
    name: str
    hits: tuple[RetrievalHit, ...]


def read_bridged(
    bridge: BridgeQuestion,
    hits: Sequence[RetrievalHit],
    search: SearchAgain,
    read: ReadPassages,
    abstain_threshold: float,
) -> Bridged | None:
    """Both reads in turn, or None where either abstains or together they are not confident
    enough (the caller then reads the question as asked)."""
    named = read(bridge.first, hits)
    if named.abstained or not named.text or named.verdict is not None:
        return None
    second = bridge.second(named.text)
    found = tuple(search(second))
    answer = read(second, found)
    if answer.abstained or answer.text is None:
        return None
    confidence = named.confidence * answer.confidence
    if confidence < abstain_threshold:
        return None
    combined = Answer(
        text=answer.text,
        abstained=False,
        confidence=confidence,
        citations=(*answer.citations, *named.citations[:1]),
        verdict=answer.verdict,
    )
    return Bridged(combined, named.text, found)
