"""The number that counts the things a question counts: the one written just before them.

"Google has released Gemma 3, ... in four sizes: 1 billion, 4 billion, 12 billion and 27
billion parameters." Asked "How many sizes does Gemma 3 come in?", the ranker weighs "1
billion" as much as "four": both sit near "sizes". Where a question counts things of a kind
("how many languages") and the ranker's first number is not written before that kind, the
best-ranked number of the same passage that is ("140 languages"), with every word of the kind
near it ("active parameters"), answers in its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.terms import WORD, stem

# How far down the ranking a number of the counted kind is looked for.
_LOOK_DOWN = 10
# Words that end the phrase a number heads: "3 per country" counts no countries.
_LINKS = frozenset({
    "of", "the", "a", "an", "and", "or", "to", "in", "on", "at", "for", "from", "with", "by",
    "per", "than", "as", "that", "which", "who",
})  # fmt: skip
# A part of a whole counts what the whole does: "13 of 21 benchmarks", "26 of the 60 countries".
# Which of the two is asked ("on how many did it win", "how many attended") the ranker decides.
_PART_OF = re.compile(r"^\s+of\s+(?:the\s+)?[\d.,]+\s+(\w+)", re.IGNORECASE)


def counted_number_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best number written before the counted kind first, where the
    first number is not; else as it is."""
    out = list(ranked)
    if not (asked.counts and asked.head and asked.expected == AnswerType.NUMBER and out):
        return out
    best = out[0]
    if best.span.kind != AnswerType.NUMBER or counts_kind(best, asked.head):
        return out
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == AnswerType.NUMBER
            and candidate.sentence.chunk.id == best.sentence.chunk.id
            and counts_kind(candidate, asked.head)
            and _names_whole_kind(candidate, asked.head)
        ),
        _LOOK_DOWN,
    )


def counts_kind(candidate: Candidate, head: frozenset[str]) -> bool:
    """Whether the number holds or is written before a word of the counted kind, or one word
    that qualifies it: "140 languages", "two dozen other countries", "1.8 inches"."""
    own = WORD.findall(candidate.span.text.lower())
    if own and stem(own[-1]) in head:
        return True  # the span brought its kind: "1.8 inches"
    after = candidate.sentence.text[candidate.span.end : candidate.span.end + 60]
    if (part := _PART_OF.match(after)) and stem(part.group(1).lower()) in head:
        return True
    words = [w.lower() for w in WORD.findall(after)[:2]]
    if words and stem(words[0]) in head:
        return True
    return len(words) == 2 and words[0] not in _LINKS and stem(words[1]) in head


def _names_whole_kind(candidate: Candidate, head: frozenset[str]) -> bool:
    """Whether every word of the counted kind stands within three words of the number:
    asked for "active parameters", "Of its 671 billion parameters" counts the wrong ones."""
    text, span = candidate.sentence.text, candidate.span
    before = WORD.findall(text[max(0, span.start - 60) : span.start])[-3:]
    after = WORD.findall(text[span.end : span.end + 60])[:3]
    near = {stem(w.lower()) for w in [*before, *WORD.findall(span.text), *after]}
    return head <= near
