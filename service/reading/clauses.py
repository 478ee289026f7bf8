"""The amount of a sentence whose own clause says what the question asks about.

"Building web and mobile apps alone accounted for more than 10 percent, AI and machine learning
work for 6 percent, and data analysis for 3.5 percent." Asked what share of conversations
involved data analysis, the ranker weighs the three shares alike: each sits in a sentence that
holds the question's words. Which share is data analysis's is said by the clause each stands
in, the stretch between the sentence's separators: semicolons where it has any (then its
commas only join a clause's own list: "reviews them for correctness, safety and novelty"),
else commas. Where the question asks an amount and another amount of the first one's sentence
stands in a clause that holds more of the question's words, that one answers in its place
(clause_amount_first).

"On AIME 2024 math it jumped from 35.5 percent to 73.3 percent": both amounts stand in one
clause, and the amount a change went to is the one that holds now, unless the question asks
what it was before (changed_to_first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.text.sentences import split_sentences
from service.reading.answer_forms import promote_first
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.counted import counts_kind
from service.reading.owners import names_asked
from service.reading.spans import NUMERIC, Span
from service.reading.terms import content_terms

# How far down the ranking an amount of the same sentence is looked for.
_LOOK_DOWN = 10
# Where a clause's amount begins: its first digit.
_DIGIT = re.compile(r"\d")
# A comma followed by a space, so that "3,000" stays whole.
_COMMA = re.compile(r",\s")
# "from 35.5 percent to": what stands between the amount a change left and the one it reached.
_FROM = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_TO = re.compile(r"^\s+to\s+$", re.IGNORECASE)
# ... and between the amount a change reached and the "from" after it: ", up from".
_FROM_AFTER = re.compile(r"^\s*,?\s*(?:(?:up|down)\s+)?from\s+$", re.IGNORECASE)
# A clause that leaves its verb phrase to the one before: "with it, 66 percent did".
_ELLIPSIS = re.compile(
    r"^\s*(?:did|do|does|was|were|is|are|has|have|had|will|would|could|can)\s*[.;]?\s*$",
    re.IGNORECASE,
)
# Words of a question that asks for the amount a change left, not the one it reached ("from"
# only at its end: "what did it rise from?").
_ASKS_BEFORE = re.compile(
    r"\b(?:before|previous(?:ly)?|earlier|original(?:ly)?|initial(?:ly)?|used to|prior|old)\b"
    r"|\bfrom\s*\?",
    re.IGNORECASE,
)


def clause_amount_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount of the first one's sentence whose clause holds more of
    the question's words first, where the question asks an amount; else as it is."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not out or out[0].span.kind not in NUMERIC:
        return out
    best = out[0]
    # "o1 offers 128,000" is o1's, and "2,048 rows" counts the rows asked about, whatever
    # else their clauses say; where things are counted, only a number of them answers
    # ("100 million synthetic datasets" is no answer to "how many rows").
    counting = asked.counts and bool(asked.head)
    if names_asked(best.owner, asked) or (counting and counts_kind(best, asked.head)):
        return out
    asking = asking_words(asked)
    held = clause_words_asked(best, asking)
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.text == best.sentence.text
            and (not counting or counts_kind(candidate, asked.head))
            and clause_words_asked(candidate, asking) > held
        ),
        _LOOK_DOWN,
    )


def changed_to_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the amount a change reached ("to 73.3 percent") first, where the first
    candidate is the amount it left ("from 35.5 percent") and the question does not ask what
    it was before; else as it is."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not out or out[0].span.kind not in NUMERIC:
        return out
    if _ASKS_BEFORE.search(asked.text):
        return out
    best = out[0]
    text = best.sentence.text
    if not _FROM.search(text[: best.span.start]):
        return out
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.text == text
            and _reached(text, best.span, candidate.span)
        ),
        _LOOK_DOWN,
    )


def _reached(text: str, left: Span, other: Span) -> bool:
    """Whether `other` is the amount a change reached from `left`: "from 35.5 percent to 73.3
    percent", or written the other way round, "grew to 1 million tokens, from 32,000",
    "74.2 percent, up from 58.6 percent"."""
    if other.start >= left.end:
        return _TO.match(text[left.end : other.start]) is not None
    return _FROM_AFTER.match(text[other.end : left.start]) is not None


def clause_around(sentence: str, start: int, end: int) -> str:
    """The clause of a sentence that holds `start`..`end`, less that span: the text between
    the separators on either side of it (semicolons where the sentence has any, else commas)."""
    before, after = _clause_bounds(sentence, start, end)
    return sentence[before:start] + " " + sentence[end:after]


def _clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause that holds `start`..`end` begins and ends."""
    if ";" in sentence:
        before = sentence.rfind(";", 0, start) + 1
        after = sentence.find(";", end)
    else:
        commas = [m.start() for m in _COMMA.finditer(sentence)]
        before = max((c + 1 for c in commas if c < start), default=0)
        after = min((c for c in commas if c >= end), default=-1)
    return before, len(sentence) if after < 0 else after


def clause_words_asked(candidate: Candidate, asking: frozenset[str]) -> int:
    """How many of the asking sentence's content words (`asking`) the candidate's clause holds.
    Numbers do not count: the "3" of "Claude 3.7 Sonnet" is no word of the clause that says
    "$3"."""
    text, span = candidate.sentence.text, candidate.span
    clause = clause_around(text, span.start, span.end)
    before, after = _clause_bounds(text, span.start, span.end)
    if before > 0 and _ELLIPSIS.match(text[span.end : after]):
        # "with it, 66 percent did": the clause says what the one before it says of its
        # amount ("percent of students passed"), not how that one opens ("Without the
        # assistant, 62 ...": the condition the two clauses differ in).
        start, end = _clause_bounds(text, before - 1, before - 1)
        said = text[start:end]
        amount = _DIGIT.search(said)
        clause += " " + (said[amount.start() :] if amount else said)
    return sum(not term.isdigit() for term in content_terms(clause) & asking)


def asking_words(asked: Asked) -> frozenset[str]:
    """The content words of the question's last sentence, the one that asks: a quiz's opening
    sentences set the scene ("Lincoln's Gettysburg Address begins, 'Four score and seven years
    ago ...' How long is a score?"), and a clause that retells the scene says nothing of the
    asked amount. The indexer's sentence splitter reads it, so "the U.S. Senate" ends none."""
    sentences = split_sentences(asked.text)
    last = asked.text[sentences[-1][0] : sentences[-1][1]] if sentences else asked.text
    return content_terms(last)
