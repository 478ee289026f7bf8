"""The person a question describes, among several that one sentence lists.

"Three officials will write the plan: Michael Kratsios, ... a former managing director at
Scale AI; David Sacks, a venture capitalist ...; and Michael Waltz, the national security
advisor." Asked "Who is the national security advisor among ...?", the ranker weighs each name
of the list alike: every one sits near the question's words, and the words that describe one
person are only a few words from the next. The list's semicolons say which words describe
whom. Where the ranker's first candidate is a person whose part of such a list lacks a word of
the asked description, and another person of the same sentence ranked near it has every word
of it in theirs, that one answers in the first one's place.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.terms import content_terms

# How far down the ranking a described person is looked for.
_LOOK_DOWN = 5
_ASKS_PERSON = frozenset({AnswerType.PERSON, AnswerType.NAME})
_NAMES = frozenset({AnswerType.PERSON, AnswerType.ORG, AnswerType.NAME})


def described_person_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the person the question describes first, where a sentence lists
    several people apart and the first candidate is another of them; else as it is."""
    out = list(ranked)
    description = content_terms(asked.head_text)
    # A description the question's typing misses ("which former ... managing director") is
    # a name's: the candidates say whether they are people.
    if asked.expected not in _ASKS_PERSON or len(description) < 2 or not out:
        return out
    best = out[0]
    if best.span.kind != AnswerType.PERSON or ";" not in best.sentence.text:
        return out
    if description <= _own_part(best):
        return out
    return promote_first(
        out,
        lambda candidate: (
            # the small NER model types some people as organisations ("Ines Calloway")
            candidate.span.kind in _NAMES
            and candidate.sentence.text == best.sentence.text
            and description <= _own_part(candidate)
        ),
        _LOOK_DOWN,
    )


def _own_part(candidate: Candidate) -> frozenset[str]:
    """The stemmed words of the candidate's part of its sentence: between the semicolons
    around it."""
    text, span = candidate.sentence.text, candidate.span
    start = text.rfind(";", 0, span.start) + 1
    end = text.find(";", span.end)
    return content_terms(text[start : end if end >= 0 else len(text)])
