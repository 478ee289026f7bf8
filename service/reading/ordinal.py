"""The item a list's sentences give the ordinal the question asks about.

"Four areas stand out ... The first is natural language processing ... The second is content
creation, where the model could help people produce written material ..." Asked "What is the
second use Meta sees for Muse Spark?", the ranker finds nothing in "content creation" that
ties it to the question: the words it weighs are in the sentence before, and the sentence
itself names no use. The sentence's opening says which item it gives: "The second is". Where
the question asks for the n-th thing of a kind and a sentence read opens with "The n-th is"
(or "The n-th use was"), the best-ranked candidate that the sentence gives right after it
answers. The opening is written out, so the candidate is looked for however far down the
ranker put it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote
from service.reading.asked import Asked
from service.reading.context import Candidate

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_ASKED = re.compile(r"\bthe\s+(" + "|".join(_ORDINALS) + r")\b", re.IGNORECASE)


def ordinal_item_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best candidate a sentence gives after "The n-th is" first, where
    the question asks for the n-th thing; else as it is."""
    out = list(ranked)
    found = _ASKED.search(asked.text)
    if found is None or not out:
        return out
    head = r"(?:\s+[\w-]+){0,2}" if asked.head_text else ""
    opening = re.compile(
        rf"^the\s+{found.group(1)}{head}\s*(?:is|was|are|were|:)\s+(?:(?:a|an|the)\s+)?$",
        re.IGNORECASE,
    )
    place = next(
        (
            place
            for place, candidate in enumerate(out)
            if opening.match(candidate.sentence.text[: candidate.span.start])
        ),
        0,
    )
    return promote(out, place)
