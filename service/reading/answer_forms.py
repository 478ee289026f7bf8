"""Questions that name the form of their answer: several things, an acronym's expansion, a
month or a year.

The ranker, fitted on questions of every kind, scores each candidate on its own. Where the
question says what shape its answer has, a candidate of that shape among those ranked near the
top answers in the first one's place (the two swap scores, so that the confidence reads the
same margin):

- "Which two states began early voting?" (`Asked.several`): the ranker often puts one of the
  pair first ("Ohio") above the two joined as the sentence gives them ("Ohio and Nevada"). A
  join that holds the first candidate answers, one of as many names as were asked for where
  there is one; lists of more than two names are read for such questions only
  (`candidate_spans(..., lists=True)`). Where the question asks for things in the plural
  ("which companies", `Asked.plural`) and the first candidate is a join, the longer list that
  holds it answers ("OpenAI, Oracle and SoftBank" for "Oracle and SoftBank").
- "What does CES stand for?" (`Asked.expands`): the acronym's expansion, where a sentence read
  spells it out (`named._expansions`), which the ranker weighs as one more name.
- "In what month ...", "which year ..." (`Asked.date_unit`): a month's name or a year, not the
  whole date or a duration ("June" of "June 27, 2024", not "21 days").
- "What is Muse Spark?" (`Asked.defines`): a description a sentence gives the name ("a large
  AI model"), not a name beside it ("Meta"; defined.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.named import acronym_letters
from service.reading.spans import NUMERIC

# How far down the ranking a candidate of the asked form is looked for.
_LOOK_DOWN = 15
# "a group": an article and a noun say only what kind of thing a name is.
_BARE_KIND_WORDS = 2
# What separates two names of a list: a comma, an "and" (after a comma or not), an ampersand.
_BETWEEN_NAMES = re.compile(r",\s*(?:and\s+)?|\s+(?:and|&)\s+")
_DATE_SHAPES = {
    "month": re.compile(
        r"(?:January|February|March|April|May|June|July|August|September|October|November|"
        r"December)",
        re.IGNORECASE,
    ),
    "year": re.compile(r"(?:1[89]|20)\d\d"),
}


def in_asked_form(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with a candidate of the form the question asks for first, where it names
    one and such a candidate was read; else the ranking as it is."""
    out = list(ranked)
    if asked.several:
        out = promote(out, _whole_answer(out, asked.several))
    elif asked.plural and out and out[0].span.origin == "join":
        out = promote(out, _whole_list(out))
    if asked.expands:
        out = promote(out, _expansion(out, asked.expands))
    if asked.date_unit in _DATE_SHAPES:
        shape = _DATE_SHAPES[asked.date_unit]
        out = promote(
            out,
            next((p for p, c in enumerate(out[:_LOOK_DOWN]) if shape.fullmatch(c.span.text)), 0),
        )
    if asked.defines:
        out = promote(out, _best_description(out))
    return out


def _best_description(ranked: list[Candidate]) -> int:
    """Where the best-ranked description is (every one read is of the asked name, however far
    down), one that says more than a bare kind ("a group", "an agent") where there is one; 0
    where there is none."""
    described = [p for p, c in enumerate(ranked) if c.span.origin == "description"]
    telling = [p for p in described if len(ranked[p].span.text.split()) > _BARE_KIND_WORDS]
    return (telling or described or [0])[0]


def promote(ranked: list[Candidate], place: int) -> list[Candidate]:
    """`ranked` with the candidate at `place` first and the first one in its place, their
    scores swapped."""
    if place:
        best, chosen = ranked[0], ranked[place]
        best.score, chosen.score = chosen.score, best.score
        ranked[0], ranked[place] = chosen, best
    return ranked


def amount_after_first(
    ranked: list[Candidate], before: re.Pattern[str], look_down: int
) -> list[Candidate]:
    """`ranked` with the best amount whose text before it ends with `before` ("the largest",
    "up to") promoted to first, where the first amount's does not; as it is otherwise."""
    if not ranked or _amount_after(ranked[0], before):
        return ranked
    return promote_first(
        ranked,
        lambda candidate: candidate.span.kind in NUMERIC and _amount_after(candidate, before),
        look_down,
    )


def _amount_after(candidate: Candidate, before: re.Pattern[str]) -> bool:
    """Whether the text before the candidate ends with `before` where it is read: its best
    occurrence, or one in another article."""
    occurrences = [(candidate.sentence, candidate.span), *candidate.articles.values()]
    return any(before.search(read.text[: span.start]) for read, span in occurrences)


def promote_first(
    ranked: list[Candidate], accept: Callable[[Candidate], bool], look_down: int
) -> list[Candidate]:
    """`ranked` with the best of its first `look_down` candidates after the first that
    `accept` takes promoted to first; as it is where none is."""
    place = next((p for p, c in enumerate(ranked[1:look_down], start=1) if accept(c)), 0)
    return promote(ranked, place)


def _whole_answer(ranked: list[Candidate], count: int) -> int:
    """Where the join that holds the first candidate is: of those ranked near it, one of
    `count` names if there is one, else the best ranked. A first candidate that is already a
    join of `count` names stays, and a join is not traded for another of the wrong count."""
    if not ranked:
        return 0
    best = ranked[0]
    is_join = best.span.origin == "join"
    if is_join and _names_in(best.span.text) == count:
        return 0
    holding = [
        place
        for place, candidate in enumerate(ranked[1:_LOOK_DOWN], start=1)
        if candidate.span.origin == "join" and f" {best.key} " in f" {candidate.key} "
    ]
    exact = [place for place in holding if _names_in(ranked[place].span.text) == count]
    return (exact or ([] if is_join else holding) or [0])[0]


def _whole_list(ranked: list[Candidate]) -> int:
    """Where the best ranked longer list that holds the first candidate, itself a join, is
    (0 where none was read): "OpenAI, Oracle and SoftBank" for "Oracle and SoftBank"."""
    best = ranked[0]
    return next(
        (
            place
            for place, candidate in enumerate(ranked[1:_LOOK_DOWN], start=1)
            if candidate.span.origin == "join"
            and f" {best.key}" in f" {candidate.key}"
            and _names_in(candidate.span.text) > _names_in(best.span.text)
        ),
        0,
    )


def _names_in(join: str) -> int:
    """The names a join lists: one more than its commas and its "and"."""
    return 1 + len(_BETWEEN_NAMES.findall(join))


def _expansion(ranked: list[Candidate], acronym: str) -> int:
    """Where the best ranked expansion of `acronym` is (0 where none was read)."""
    letters = acronym_letters(acronym)
    return next(
        (
            place
            for place, candidate in enumerate(ranked)
            if candidate.span.origin == "expansion" and _initials(candidate.span.text) == letters
        ),
        0,
    )


def _initials(name: str) -> str:
    """The first letters of a name's capitalised words: "Consumer Electronics Show": CES."""
    return "".join(word[0] for word in name.split() if word[0].isupper())
