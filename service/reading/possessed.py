"""The thing a name owns, not the owner, where the question asks for a kind of thing.

"... an unnamed open-source model running on Cloudflare's Workers AI platform." Asked "What
platform runs the model ...?", the ranker puts "Cloudflare" first: a company, next to the asked
noun and to the question's words. But the possessive says Cloudflare owns the platform; the
platform is the name between the owner and the noun ("Workers AI"), the name the noun phrase
is set beside ("It runs on LangGraph, LangChain's agent framework": LangGraph), or the name
right after it ("Google's chief scientist Jeff Dean"). Where the ranker's first candidate owns
the asked kind in its sentence this way, the best candidate of the same sentence in one of
those places answers in its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.terms import WORD, stem

# How far down the ranking the owned thing is looked for.
_LOOK_DOWN = 10
# The possessive after the owner, then up to four more words of its noun phrase.
_OWNED_PHRASE = re.compile(r"['\u2019]s?\s+((?:[\w.&-]+\s+){0,4}[\w.&-]+)")
# "Which company's stock ...", "whose": the owner is what is asked.
_ASKS_OWNER = re.compile(
    r"\b(?:whose\b|(?:which|what)\s+(?:[\w-]+\s+){0,3}[\w-]+['\u2019]s?(?=\s))", re.IGNORECASE
)
# What sets a name beside the phrase that says what it is: a comma, and nothing else.
_BESIDE = re.compile(r"\s*,\s*")


def owned_thing_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the thing the first candidate owns first, where the first candidate
    is the owner of the asked kind in its sentence ("Cloudflare's Workers AI platform"); else
    as it is."""
    out = list(ranked)
    if not (asked.head_text and out) or _ASKS_OWNER.search(asked.text):
        return out
    best = out[0]
    kind = stem(asked.head_text.split()[-1])  # "platform" of "cloud platform"
    phrase = _owned_phrase(best, kind)
    if phrase is None:
        return out
    sentence = best.sentence.text
    phrase_start, phrase_end = phrase
    owner_start = best.span.start

    def owned(candidate: Candidate) -> bool:
        if (
            candidate.sentence.text != sentence
            or candidate.features.get("capitalised", 0.0) < 1.0  # a name, not "agent framework"
            # A place says where the owner's thing is, not what: "Tesco's New Malden supermarket"
            or candidate.span.kind == AnswerType.PLACE
            or kind in {stem(w) for w in WORD.findall(candidate.key)}
        ):
            return False
        start, end = candidate.span.start, candidate.span.end
        inside = phrase_start <= start and end <= phrase_end  # "Workers AI"
        beside = end <= owner_start and _BESIDE.fullmatch(sentence[end:owner_start]) is not None
        after = start >= phrase_end and not sentence[phrase_end:start].strip()
        return inside or beside or after

    return promote_first(out, owned, _LOOK_DOWN)


def _owned_phrase(candidate: Candidate, kind: str) -> tuple[int, int] | None:
    """Where the noun phrase the candidate owns lies in its sentence (after "'s", up to and
    including the asked kind's noun), or None where the candidate owns no such phrase."""
    sentence = candidate.sentence.text
    match = _OWNED_PHRASE.match(sentence, candidate.span.end)
    if match is None:
        return None
    for word in WORD.finditer(match.group(1)):
        if stem(word.group().lower()) == kind:
            start = match.start(1)
            return start, start + word.end()
    return None
