"""The item of a list that the question's words describe: "OpenTable for restaurant bookings".

A sentence may pair each of several names with what it is for: "Partners include OpenTable for
restaurant bookings, Thumbtack for local repair workers, Spotify and Apple Music for music".
Every name of it sits near the question's words and shares the sentence's score, so the
ranker picks among them by their own features. Asked "Which service handles restaurant
bookings for Alexa+?", the item to answer is the one whose own words, after its name and a
preposition and before the next comma, are the question's; where one short item holds two of
the question's words or more that neither the first candidate's part of its sentence nor any
other item of its list holds as many of, in a passage that names what the question names, its
name answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from service.reading.answer_forms import promote
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.objects import names_every_focus
from service.reading.spans import PROPER
from service.reading.terms import content_terms

# How far down the ranking an item is looked for.
_LOOK_DOWN = 15
# A list: three items or more, between commas or semicolons.
_MIN_ITEMS = 3
# An item is a name and a few words about it.
_MAX_ITEM_WORDS = 8
# Words of the question an item must hold beyond the name itself.
_MIN_SHARED = 2
_SEPARATOR = re.compile(r"[,;]")
# What follows an item's name: a preposition that says what it stands for.
_ITEM_TAIL = re.compile(r"^\s+(?:for|in|on|with|as|to|via|through|from)\s+\S", re.IGNORECASE)
# A name the tagger left untyped fits an asked organisation at 0.6 to 0.7 ("OpenTable").
_MIN_FIT = 0.5


def list_item_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the list item that the question's words describe first, where a name
    is asked for and one item holds more of those words than the first candidate's part of
    its sentence; else as it is."""
    out = list(ranked)
    if not out or asked.expected not in PROPER or asked.expected == AnswerType.PERSON:
        return out
    wanted = _describing_terms(asked)
    if len(wanted) < _MIN_SHARED:
        return out
    best = out[0]
    bar = max(_MIN_SHARED, len(_item_terms(best, wanted, any_size=True)) + 1)
    for place, candidate in enumerate(out[1:_LOOK_DOWN], start=1):
        if candidate.span.kind not in PROPER or candidate.features.get("type_fit", 0.0) < _MIN_FIT:
            continue
        shared = _item_terms(candidate, wanted)
        if (
            len(shared) >= bar
            and _alone_in_list(candidate, wanted, len(shared))
            and names_every_focus(candidate, asked)
        ):
            return promote(out, place)
    return out


def _describing_terms(asked: Asked) -> frozenset[str]:
    """The question's words that describe the answer: not the names it gives, nor the noun the
    wh-word governs ("service")."""
    named = content_terms(" ".join(asked.focus))
    return asked.terms - named - asked.head


def _items(text: str) -> list[tuple[int, int]]:
    """The parts of a sentence between its commas and semicolons, as (start, end)."""
    bounds = [0, *(m.end() for m in _SEPARATOR.finditer(text)), len(text) + 1]
    return [(start, end - 1) for start, end in pairwise(bounds)]


def _item_terms(
    candidate: Candidate, wanted: frozenset[str], any_size: bool = False
) -> frozenset[str]:
    """The wanted words of the list item that holds the candidate, less the candidate's own;
    empty where the sentence is no list or the item is too long to be one (unless
    `any_size`: the first candidate's part of its sentence, whatever it is)."""
    text = candidate.sentence.text
    items = _items(text)
    span = candidate.span
    for start, end in items:
        if start <= span.start and span.end <= end:
            item = text[start:end]
            if not any_size and (len(items) < _MIN_ITEMS or len(item.split()) > _MAX_ITEM_WORDS):
                return frozenset()
            if any_size:
                own = text[start : span.start] + " " + text[span.end : end]
                return content_terms(own) & wanted
            # The item says what its name is for after it: "OpenTable for restaurant
            # bookings"; "Jains and Buddhists around the world celebrated Diwali" is a
            # clause that goes on past a list, no item of it.
            tail = text[span.end : end]
            if not _ITEM_TAIL.match(tail):
                return frozenset()
            return content_terms(tail) & wanted
    return frozenset()


def _alone_in_list(candidate: Candidate, wanted: frozenset[str], shared: int) -> bool:
    """Whether no other item of the candidate's list holds as many wanted words."""
    text = candidate.sentence.text
    span = candidate.span
    return all(
        len(content_terms(text[start:end]) & wanted) < shared
        for start, end in _items(text)
        if not (start <= span.start and span.end <= end)
    )
