"""How well a candidate fits the answer the question asks for: its type (features.type_fit),
then what its sentence says of it.

- An amount quoted at another rate or in another measure than asked ("$19.99 a month" for a
  year's price, "77 pounds" for a height; qualifiers.py) fits as badly as a wrong type does.
- A share may be written as a fraction of one ("a hallucination rate of 0.19").
- A place in an order ("fourth") is no count.
- A result on a test ("what did X score on Y") is a share or a bare number, not an amount of
  money, a size or a time.
- Where a made thing is asked for ("which model", "what license"), the maker or owner of a
  name that follows it ("Alibaba has released QwQ-32B", "Anthropic's Claude 3.5 Sonnet") is
  not it, whatever the small NER model calls either.
"""

from __future__ import annotations

import re

from service.reading.answer_types import ORDINAL, AnswerType
from service.reading.asked import Asked
from service.reading.features import makes_a_named_thing, type_fit
from service.reading.qualifiers import qualifier_clash
from service.reading.spans import NUMERIC, Span

# An amount qualified otherwise than asked ("a month" for "a year") scores as a wrong type.
QUALIFIER_CLASH = 0.25
# The maker or owner of a named thing where a made thing is asked for: as unlikely as a name
# of the wrong kind.
ARTIFACT_CLASH = 0.25
_MAKERS = frozenset({AnswerType.PERSON, AnswerType.ORG, AnswerType.PLACE, AnswerType.NAME})
# A share written as a fraction of one: as likely as a bare number where money is asked.
FRACTION_FIT = 0.5
_FRACTION = re.compile(r"0?\.\d+")
# A place in an order answers "which place", never "how many".
ORDINAL_COUNT = 0.25
# A result on a test is a share or a bare number: an amount of money, a size ("32.5 billion")
# or a time ("50 milliseconds") is no score, and a share fits fully.
SCORE_CLASH = 0.25
_NOT_A_SCORE = re.compile(
    r"\b(?:thousand|million|billion|trillion|(?:milli|micro|nano)?seconds?|minutes?|hours?|"
    r"days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)


def answer_fit(asked: Asked, span: Span, sentence: str) -> float:
    """How well the span of `sentence` fits the answer `asked` wants, 0..1 (0: never it)."""
    fit = type_fit(asked.expected, span.kind, from_ner=span.from_ner)
    if asked.expected == AnswerType.PERCENT and _FRACTION.fullmatch(span.text):
        fit = FRACTION_FIT
    if asked.artifact and span.kind in _MAKERS and makes_a_named_thing(sentence, span):
        fit = min(fit, ARTIFACT_CLASH)
    if asked.counts and ORDINAL.match(span.text):
        fit = min(fit, ORDINAL_COUNT)
    if asked.scored and span.kind in NUMERIC:
        if span.kind == AnswerType.PERCENT:
            fit = 1.0
        elif span.kind == AnswerType.MONEY or _NOT_A_SCORE.search(span.text):
            fit = min(fit, SCORE_CLASH)
    if span.kind in NUMERIC and qualifier_clash(sentence, (span.start, span.end), asked.qualifiers):
        fit *= QUALIFIER_CLASH
    return fit
