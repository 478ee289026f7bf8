"""The amount a sentence gives the superlative the question asks about.

"The smallest has 3 billion parameters, the middle one 7 billion and the largest 72 billion."
Asked "How many parameters does the largest Qwen2.5-VL model have?", the ranker weighs the
three sizes of the sentence alike, and others of other models above them: each is a count of
parameters near the question's words. The sentence says which one the superlative takes: the
amount right after "the largest" (or "the biggest", its other word). Where the question asks
an amount with a superlative and the ranker's first amount does not follow it, the best-ranked
amount that does answers in its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import amount_after_first
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.spans import NUMERIC

# How far down the ranking the superlative's amount is looked for.
_LOOK_DOWN = 10
# Superlatives that say the same thing, each group by its words.
_SAME = (
    frozenset({"largest", "biggest"}),
    frozenset({"smallest", "tiniest"}),
    frozenset({"highest", "top"}),
    frozenset({"lowest"}),
    frozenset({"fastest"}),
    frozenset({"cheapest"}),
)
_SUPERLATIVE = re.compile(r"\b(" + "|".join(sorted(set().union(*_SAME))) + r")\b", re.IGNORECASE)
# What may stand between the superlative and its amount: "the largest 72 billion", "the
# largest, at 72 billion", "the largest has 72 billion".
_BEFORE_AMOUNT = r"\s*(?:,\s*)?(?:(?:at|has|with|of|is|was)\s+)?(?:about\s+|some\s+)?$"


def superlative_amount_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount that follows the asked superlative first, where the
    question asks an amount with one and the first amount does not follow it; else as it is."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not out:
        return out
    found = _SUPERLATIVE.search(asked.text)
    if found is None:
        return out
    words = next(group for group in _SAME if found.group(1).lower() in group)
    after = re.compile(r"\bthe\s+(?:" + "|".join(words) + r")" + _BEFORE_AMOUNT, re.IGNORECASE)
    return amount_after_first(out, after, _LOOK_DOWN)
