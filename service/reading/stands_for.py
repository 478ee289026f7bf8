"""Questions that ask what an acronym stands for: "What does CES stand for?"

The candidates hold the acronym's expansion wherever a sentence read spells it out (runs of
capitalised words whose initials give it: `candidates._expansions`), but the ranker, fitted on
questions of every kind, weighs it as one more name among the sentence's others. Where the
question asks for the expansion (`Asked.expands`), that expansion is the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.reading.context import Candidate


def expansion_first(ranked: Sequence[Candidate], acronym: str) -> list[Candidate]:
    """The ranking with the best ranked expansion of `acronym` moved to the top in the first
    candidate's place (the two swap scores, so the confidence reads the same margin)."""
    out = list(ranked)
    letters = acronym.upper()
    for place, candidate in enumerate(out):
        if candidate.span.origin == "expansion" and _initials(candidate.span.text) == letters:
            if place:
                best = out[0]
                best.score, candidate.score = candidate.score, best.score
                out[0], out[place] = candidate, best
            break
    return out


def _initials(name: str) -> str:
    """The first letters of a name's capitalised words: "Consumer Electronics Show": CES."""
    return "".join(word[0] for word in name.split() if word[0].isupper())
