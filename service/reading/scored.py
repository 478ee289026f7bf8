"""The result on the test a question names: the amount its sentence gives beside that test.

"On the AIME24 competition math test it scored 79.5 percent ... On LiveBench it led both rivals
with 73.1 percent, against 71.6 percent for DeepSeek-R1." Asked "What did QwQ-32B score on
LiveBench?", the ranker weighs every share of the passage alike: each sits near "scored" and
the model's name. Where a question asks a result on a named test and the sentence of the
ranker's first candidate never names that test, the share or number nearest the test's name,
in the best-ranked sentence that names it, answers in its place ("73.1 percent", not the
"71.6 percent" of a rival further on, nor the "58.6 percent" of "scored 74.2 percent, up from
58.6 percent").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote
from service.reading.asked import SCORE_WORD, Asked
from service.reading.context import Candidate

# How far down the ranking a result beside the test is looked for.
_LOOK_DOWN = 15
# "score(d) on (the) X", up to a clause word, a comma or a stop that ends a phrase (not the one
# of "3,000") or the question mark: the test is X.
_TEST = re.compile(
    rf"{SCORE_WORD}\s+on\s+(?:the\s+)?(?P<test>[^?]+?)"
    r"(?=\s+(?:without|with|in|at|when|after|before|for|using|than)\b|\s*\?|[,.](?:\s|$)|\s*$)",
    re.IGNORECASE,
)


def asked_test(question: str) -> str:
    """The test a question asks a result on, lower-cased ("livebench"); "" where none."""
    found = _TEST.search(question)
    return found.group("test").strip().lower() if found else ""


def scored_on_test_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the result nearest the asked test's name first, where the first
    candidate's sentence never names that test; else as it is."""
    out = list(ranked)
    test = asked_test(asked.text) if asked.scored else ""
    if not (test and out) or test in out[0].sentence.text.lower():
        return out
    beside = [
        (place, candidate)
        for place, candidate in enumerate(out[:_LOOK_DOWN])
        if candidate.features.get("type_fit", 0.0) >= 1.0
        and test in candidate.sentence.text.lower()
        # A number of the test's own name ("2024" of "AIME 2024") is no result.
        and candidate.span.text.lower() not in test
    ]
    if not beside:
        return out
    sentence = _key(beside[0][1])  # the best-ranked sentence that names the test
    at = beside[0][1].sentence.text.lower().index(test)
    place = min(
        (place for place, candidate in beside if _key(candidate) == sentence),
        key=lambda place: _distance(out[place], at, len(test)),
    )
    return promote(out, place)


def _key(candidate: Candidate) -> tuple[str, int]:
    return candidate.sentence.chunk.id, candidate.sentence.start


def _distance(candidate: Candidate, at: int, length: int) -> int:
    """Characters between the candidate's span and the test's name at `at` in its sentence."""
    span = candidate.span
    return span.start - (at + length) if span.start >= at else at - span.end
