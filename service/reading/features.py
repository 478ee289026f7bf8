"""The features that tell a right candidate from a wrong one: type fit, roles, closeness."""

from __future__ import annotations

import re

from service.reading.answer_types import AnswerType
from service.reading.spans import NUMERIC, PROPER, Span
from service.reading.terms import WORD, stem


def type_fit(expected: AnswerType, kind: AnswerType, *, from_ner: bool) -> float:
    """How well a candidate's type fits the question's, 0..1 (0: never the answer)."""
    if kind == expected:
        return 1.0
    if kind == AnswerType.NATIONALITY:
        return 0.3 if expected in (AnswerType.NAME, AnswerType.THING) else 0.1
    if expected == AnswerType.MONEY and kind == AnswerType.NUMBER:
        return 0.5
    if expected == AnswerType.NUMBER and kind in NUMERIC:
        return 0.7
    if expected == AnswerType.THING:
        return 0.6 if kind in PROPER else 0.3
    if expected == AnswerType.NAME and kind == AnswerType.THING:
        return 0.5
    if expected in PROPER and kind in PROPER:
        # A pattern-found name is untyped: it may well be the person or company asked for.
        if expected == AnswerType.NAME or kind == AnswerType.NAME:
            return 0.6 if from_ner else 0.7
        return 0.25
    return 0.0


# Role patterns that tie a name to a question's role word: "X, the head of Y", "led by X".
_ROLE_WORDS = (
    r"(?:chief executive|chief executive officer|ceo|founder|co-founder|head|leader|president|"
    r"chair(?:man|woman|person)?|director|boss|owner|spokes(?:man|woman|person)|minister|"
    r"secretary|governor|senator|mayor|chief)"
)
_ROLE_AFTER = re.compile(
    rf"^\s*,?\s*(?:(?:who\s+)?(?:is|was|has been|became|remains)\s+)?(?:the|a|an|its)?\s*"
    rf"(?:\w+\s+)?{_ROLE_WORDS}\b|^\s+(?:now\s+)?(?:leads|led|runs|ran|heads|headed|founded|"
    r"co-founded|chairs|oversees|helms)\b"
)
_ROLE_BEFORE = re.compile(
    rf"(?:{_ROLE_WORDS}|led by|run by|founded by|headed by|leadership of|helmed by)"
    r"(?:\s+of\s+[\w'\u2019 .&-]{1,40})?[,:]?\s*$",
    re.IGNORECASE,
)


_ROLE_QUESTION = re.compile(
    rf"\b(?:{_ROLE_WORDS}|leads?|runs?|heads?|founded|in charge|at the helm)\b", re.IGNORECASE
)


def asks_about_role(question: str) -> bool:
    """Whether the question asks who holds a role ("Who leads X?", "X's chief executive")."""
    return _ROLE_QUESTION.search(question) is not None


def role_bonus(sentence: str, span: Span) -> float:
    """1.0 where the sentence names the span in a role, as in appositions and "led by X"."""
    after = sentence[span.end : span.end + 60].lower()
    before = sentence[max(0, span.start - 60) : span.start]
    if _ROLE_AFTER.search(after) or _ROLE_BEFORE.search(before):
        return 1.0
    return 0.0


def proximity(sentence: str, span: Span, question_terms: frozenset[str]) -> float:
    """exp-decay of the word distance from the span to the nearest question term, 0..1."""
    positions = [
        (match.start(), match.end())
        for match in WORD.finditer(sentence)
        if stem(match.group().lower()) in question_terms
        and not (span.start <= match.start() < span.end)
    ]
    if not positions:
        return 0.0
    best = min(_words_between(sentence, start, end, span) for start, end in positions)
    return float(2.0 ** (-best / 4))


def _words_between(sentence: str, start: int, end: int, span: Span) -> int:
    gap = sentence[end : span.start] if end <= span.start else sentence[span.end : start]
    return len(WORD.findall(gap))
