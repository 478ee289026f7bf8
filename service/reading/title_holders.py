"""The person who holds a title the first candidate gives: "OpenAI chief executive Sam Altman".

News writes a person's employer and title before the name, as one noun phrase: "OpenAI chief
executive Sam Altman cautioned that ...", "Meta's chief AI scientist Yann LeCun said ...".
Asked "Who cautioned ...?", the ranker, which scores each name on its own, may put the
employer first: it opens the sentence and is the name it often is for a question that asks
who made something. Where a person is asked for, the first candidate is no person, and it
stands right before a title and a person's name in its sentence, that person answers in its
place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate

# How far down the ranking the person is looked for.
_LOOK_DOWN = 10
# A title's last word: what a person is called by their post or trade.
_TITLE_NOUNS = (
    r"(?:chief executive|executive|ceo|cto|cfo|coo|founder|co-founder|cofounder|head|leader|"
    r"president|chair(?:man|woman|person)?|director|boss|owner|spokes(?:man|woman|person)|"
    r"minister|secretary|governor|senator|mayor|chief|officer|scientist|researcher|engineer|"
    r"analyst|professor|economist|investor|lawyer|attorney|general|commissioner|judge|"
    r"representative|lawmaker|editor|reporter|partner|manager)"
)
# Between the first candidate and the person: an owner's "'s", then up to four words of the
# title ("chief AI scientist"), the last a title noun, and nothing else: no verb, no comma.
_TITLE_BETWEEN = re.compile(
    rf"^(?:['\u2019]s)?\s+(?:[\w-]+\s+){{0,3}}?{_TITLE_NOUNS}\s+$",
    re.IGNORECASE,
)


def title_holder_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the person first whose title the first candidate gives, where a
    person is asked for and the first candidate is none; else as it is."""
    out = list(ranked)
    if not out or asked.expected != AnswerType.PERSON:
        return out
    best = out[0]
    if best.span.kind == AnswerType.PERSON:
        return out
    text = best.sentence.text
    for place, candidate in enumerate(out[1:_LOOK_DOWN], start=1):
        if (
            candidate.span.kind == AnswerType.PERSON
            and candidate.sentence.text == text
            and candidate.span.start > best.span.end
            and _TITLE_BETWEEN.match(text[best.span.end : candidate.span.start])
        ):
            return promote(out, place)
    return out
