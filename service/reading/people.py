"""People named in full in the sentences read, and the one-word names that stand for them.

News names a person in full once ("Sam Altman") and by surname after ("Altman"); the small
tagger types the full name a person but often leaves the surname untyped, while it types a
one-word company or model a person now and then ("Twitter", "Moshi"). Read together, the
sentences tell the two apart: a surname repeats a full name given nearby, a mistyped product
repeats none.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.reading.answer_types import AnswerType
from service.reading.spans import PROPER, Span


def name_words(spans: Iterable[Span]) -> frozenset[str]:
    """The words (lower case) of every person name of two words or more."""
    return frozenset(
        word.lower()
        for span in spans
        if span.kind == AnswerType.PERSON and len(words := span.text.split()) > 1
        for word in words
    )


def person_or_name(span: Span, people: frozenset[str]) -> Span:
    """A one-word name's type read against the full person names read nearby.

    A word of one of them, typed otherwise or untyped, is a person ("Altman" beside "Sam
    Altman"); a one-word "person" that none holds is a name of unknown kind: a mononym, or a
    company or model the tagger mistook for a person ("Twitter", "Moshi").
    """
    if span.kind not in PROPER or " " in span.text:
        return span
    known = span.text.lower() in people
    if span.kind == AnswerType.PERSON and not known:
        return Span(span.start, span.end, span.text, AnswerType.NAME, span.from_ner, span.origin)
    if span.kind != AnswerType.PERSON and known:
        return Span(span.start, span.end, span.text, AnswerType.PERSON, True, span.origin)
    return span
