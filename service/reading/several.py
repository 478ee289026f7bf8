"""Questions that ask for two or more things at once: "Which two states began early voting?"

The ranker scores each name on its own, so for such a question it often puts one of the pair
first ("Ohio") above the two joined as the sentence gives them ("Ohio and Nevada"). Where the
question asks for several (`Asked.several`) and a join read among the candidates holds the best
one, the join is the answer; lists of more than two names are read for such questions only
(`candidate_spans(..., lists=True)`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.context import Candidate

# How far down the ranking a join of the best candidate is looked for.
_LOOK_DOWN = 15
# What separates two names of a list: a comma, an "and" (after a comma or not), an ampersand.
_BETWEEN_NAMES = re.compile(r",\s*(?:and\s+)?|\s+(?:and|&)\s+")


def whole_answer_first(ranked: Sequence[Candidate], count: int) -> list[Candidate]:
    """The ranking with a join that holds the best candidate moved to the top in its place
    (the two swap scores, so the confidence reads the same margin): of those ranked near it,
    one of `count` names if there is one, else the best ranked. A best candidate that is
    already a join of `count` names stays, and a join is not traded for another of the wrong
    count."""
    out = list(ranked)
    if not out:
        return out
    best = out[0]
    is_join = best.span.origin == "join"
    if is_join and _names_in(best.span.text) == count:
        return out
    holding = [
        place
        for place, candidate in enumerate(out[1:_LOOK_DOWN], start=1)
        if candidate.span.origin == "join" and f" {best.key} " in f" {candidate.key} "
    ]
    exact = [place for place in holding if _names_in(out[place].span.text) == count]
    chosen = exact[:1] or ([] if is_join else holding[:1])
    if chosen:
        place = chosen[0]
        best.score, out[place].score = out[place].score, best.score
        out[0], out[place] = out[place], best
    return out


def _names_in(join: str) -> int:
    """The names a join lists: one more than its commas and its "and"."""
    return 1 + len(_BETWEEN_NAMES.findall(join))
