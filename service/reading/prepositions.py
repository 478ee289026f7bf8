"""The amount a sentence introduces with the preposition the question asks it with.

"Starting from doubled steps, the model learned step sizes of 4x, 8x and onward up to 128x."
Asked "Up to what step size did the shortcut models learn?", the ranker weighs the three sizes
alike, and the first stands nearest the question's words. But the question says how its
answer is introduced: "up to what" asks for the amount written after "up to", "by how much"
for the one after "by" ("rose by 12 percent"), "at what price" for the one after "at". Where
the question opens with a preposition before its wh-word and the first amount does not follow
it, while an amount ranked near the top does, that one answers in its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import amount_after_first
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.spans import NUMERIC

# How far down the ranking an amount after the asked preposition is looked for.
_LOOK_DOWN = 10
# A preposition right before the wh-word: "Up to what ...", "By how much ...", "At what price
# ...", at the start of the question's last sentence or after a comma.
_ASKED_PREPOSITION = re.compile(
    r"(?:^|[.?!,]\s+)(?P<prep>up\s+to|down\s+to|by|at|over|across|to|from|after|within|"
    r"under|for)\s+(?:what|how\s+(?:much|many|long|far|high|low))\b",
    re.IGNORECASE,
)
# Prepositions that say the same of a span of time or a range: "over four years", "across
# four years".
_SAME = {"over": ("over", "across"), "across": ("over", "across")}
# A determiner or a qualifier may stand between: "up to a 128x", "by nearly 12 percent".
_BETWEEN = r"(?:\s+(?:a|an|the|about|around|nearly|almost|roughly|some|just|more\s+than))*"


def preposition_amount_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount written after the question's preposition first, where
    the first amount is not; else as it is."""
    out = list(ranked)
    found = _ASKED_PREPOSITION.search(asked.text)
    if not out or found is None or asked.expected not in NUMERIC:
        return out
    best = out[0]
    if best.span.kind not in NUMERIC:
        return out
    words = " ".join(found.group("prep").lower().split())
    said = "|".join(word.replace(" ", r"\s+") for word in _SAME.get(words, (words,)))
    introduced = re.compile(rf"\b(?:{said}){_BETWEEN}\s*$", re.IGNORECASE)
    return amount_after_first(out, introduced, _LOOK_DOWN)
