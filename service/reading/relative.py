"""The name that a relative clause after it describes as the question does.

"The document also calls for ... bold innovation, citing AlphaFold 3, which models how
biological molecules interact." Asked "Which Google model models how biological molecules
interact?", the ranker puts "Gemini 2.0" first, from a sentence that holds "Google" and
"models": the words the question describes its answer by are spread over the passages read,
and the feature that counts them near a candidate cannot tell a description of the candidate
from words that only stand beside it. A relative clause says what its name is or does. Where
a candidate ranked near the top is followed by one set off by a comma (", which ...", ", who
...") that says two thirds or more of the question's words besides the asked kind (two at
least), more than the first candidate's does, it answers in the first one's place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.spans import NUMERIC
from service.reading.terms import content_terms

# How far down the ranking a described name is looked for.
_LOOK_DOWN = 10
# The fewest words of the question a clause must say of its name, and the least share of the
# question's words (besides the asked kind) it must say.
_ENOUGH = 2
_SHARE = 2 / 3
# A clause set off by a comma right after a name, up to the next comma, semicolon or full
# stop, whose name it describes: "AlphaFold 3, which models ...". Not "that" ("said Tuesday
# that ...", "a place in Asia that ...": a complement, or a clause about the noun before the
# name), and not one whose subject is another name ("Kamala Harris, who Joe Biden endorsed").
_RELATIVE = re.compile(r"\s*,\s*(?:which|who)\s+(?P<clause>[a-z][^,;.]*)")


def described_name_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best name whose relative clause says what the question asks of
    it first, where it says more than the first candidate's; else as it is."""
    out = list(ranked)
    # Not over a list: "OpenAI, Oracle and SoftBank" answers "which companies", not the one
    # of its names a clause describes.
    if not out or asked.expected in NUMERIC or out[0].span.origin == "join":
        return out
    words = asked.terms - asked.head
    # The clause must say most of what the question says of its answer: "Pence, who has been
    # preparing for a possible White House run in 2024" is no answer to who announced a bid.
    enough = max(_ENOUGH, math.ceil(_SHARE * len(words)))
    held = _described(out[0], words)
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind not in NUMERIC
            and candidate.span.origin != "part"  # "Act" of "AI Act, which requires ..."
            and candidate.features.get("type_fit", 0.0) >= 1.0
            and _described(candidate, words) >= max(enough, held + 1)
        ),
        _LOOK_DOWN,
    )


def _described(candidate: Candidate, words: frozenset[str]) -> int:
    """How many of `words` the relative clause right after the candidate holds, at the best
    of the places it is read (its best occurrence, or one in another article); 0: none."""
    occurrences = [(candidate.sentence, candidate.span), *candidate.articles.values()]
    return max(
        len(content_terms(found.group("clause")) & words)
        if (found := _RELATIVE.match(read.text, span.end))
        else 0
        for read, span in occurrences
    )
