"""The noun phrase that names a thing of the asked kind: "a reflection agent" for "which agent".

"A supervisor schedules the others; a generation agent searches the literature and drafts
ideas; a reflection agent reviews them for correctness, safety and novelty; ..." Asked "Which
agent of Google's AI co-scientist checks ideas for correctness, safety and novelty?", the
ranker puts "Gemini 2.0" first: it learnt from quizzes, whose answers are mostly names, and a
lower-case phrase scores low however well it fits. But where the asked kind is a common noun
("agent", "leukemia", "emergency"), a phrase that ends in it and says which one ("reflection
agent", "acute myeloid leukemia", "national energy emergency") is the answer's own shape.

Where such a phrase ranked near the top stands in a clause that says more of the question
than the first candidate's clause, it answers in the first one's place; a question that asks
"what kind of" (type, sort, form) thing asks for that shape outright, so there a clause that
says as much is enough.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked, asks_for_name
from service.reading.clauses import asking_words, clause_words_asked
from service.reading.context import Candidate
from service.reading.spans import NUMERIC
from service.reading.terms import WORD, content_terms, stem

# How far down the ranking a phrase of the asked kind is looked for: the ranker, fitted on
# quizzes, puts a phrase that repeats a word of the question (the kind) far down.
_LOOK_DOWN = 30
# The fewest of the question's words (besides the asked kind) a phrase's clause must say
# where the question does not ask for a kind outright.
_ENOUGH = 2
_ASKS_KIND = re.compile(
    r"\b(?:what|which)\s+(?:kinds?|types?|sorts?|forms?|variet(?:y|ies))\s+of\b", re.IGNORECASE
)


def kind_phrase_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the phrase of the asked kind whose clause says the most of the question
    first, where it says more than the first candidate's (as much, where a kind is asked);
    else as it is."""
    out = list(ranked)
    kind = _asked_kind(asked)
    if not out or not kind or asked.expected in NUMERIC or asks_for_name(asked.text):
        return out
    outright = _ASKS_KIND.search(asked.text) is not None
    if not outright and not _asks_for_kind(asked):
        return out
    best = out[0]
    if _of_kind(best, kind) or best.features.get("names_kind", 0.0) > 0:
        return out  # "Apple juice", "University of Freiburg": already of the asked kind
    asking = asking_words(asked) - asked.head
    held = clause_words_asked(best, asking)
    needed = held if outright else max(_ENOUGH, held + 1)
    phrases = [
        (clause_words_asked(candidate, asking), -place)
        for place, candidate in enumerate(out[1:_LOOK_DOWN], start=1)
        if _of_kind(candidate, kind) and _says_which(candidate, asked)
    ]
    if not phrases:
        return out
    words, place = max(phrases)  # the most words said; of those, the best ranked
    return promote(out, -place) if words >= needed else out


def _asks_for_kind(asked: Asked) -> bool:
    """Whether a "which" question may be answered by a phrase of its kind: not where the
    answer has a proper name (a person, an organisation, a place, a made thing: "Which US
    retailer" is "Target", not "a popular US retailer"), and only where the wh-word governs
    the kind itself ("What was Superintelligence Labs' first big release?" asks a name)."""
    if asked.expected in (AnswerType.PERSON, AnswerType.ORG, AnswerType.PLACE) or asked.artifact:
        return False
    governed = rf"\b(?:which|what)\s+{re.escape(asked.head_text)}\b"
    return re.search(governed, asked.text, re.IGNORECASE) is not None


def _asked_kind(asked: Asked) -> str:
    """The stem of the asked noun where it is a lower-case common noun ("agent"); else ""."""
    written = asked.head_text.split()
    if not written or not written[-1].isalpha() or len(written[-1]) < 3:
        return ""
    last = written[-1]
    # As the question writes it: a capitalised "Model" is part of a name, not a kind.
    if not re.search(rf"\b{re.escape(last)}\b", asked.text):
        return ""
    return stem(last)


def _of_kind(candidate: Candidate, kind: str) -> bool:
    """Whether the candidate is a lower-case phrase of two words or more whose last is the
    asked kind: "reflection agent", not "Agent Smith" nor "agents" alone."""
    text = candidate.span.text
    words = WORD.findall(text)
    return (
        text[:1].islower()
        and len(words) >= 2
        and candidate.span.origin != "part"  # "energy emergency" of "national energy emergency"
        and stem(words[-1].lower()) == kind
    )


def _says_which(candidate: Candidate, asked: Asked) -> bool:
    """Whether the words before the kind say something the question does not: "reflection",
    not the "AI" of "AI agent" asked about an AI agent."""
    before = candidate.span.text.rsplit(" ", 1)[0]
    return bool(content_terms(before) - asked.terms)
