"""The part, where a question counts a part of a whole it names: "37 billion" of 671 billion.

"It has 671 billion parameters in total, of which 37 billion are active for each token."
Asked "How many of DeepSeek-V3's parameters are active at once?", the ranker puts "671
billion" first: it counts the parameters the question names, and "active at once" is not
"active for each token" word for word. But the question says which number it does not ask
for: "how many of its parameters" names the whole and asks for a part of it, and so does "how
many drugs did the experts pick from the candidates" ("three of 15 candidate drugs"). Where
the first number counts the whole the question names after "how many of" or "from", and
another number of its sentence is written as a part of it ("N of M ...", "M ..., of which
N", "Of its M ..., N", "M ...; N of them"), that one answers in its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.counted import counts_kind
from service.reading.spans import NUMERIC
from service.reading.terms import WORD, stem

# How far down the ranking the part is looked for.
_LOOK_DOWN = 10
# The whole a question names: "how many of DeepSeek-V3's parameters", "... from its
# candidates"; the words after it, to the end of the question's clause.
_WHOLE = re.compile(r"\b(?:how\s+many\s+of|from)\s+(?P<whole>[^?.,;]*)", re.IGNORECASE)
_DETERMINERS = frozenset({"the", "its", "their", "his", "her", "our", "these", "those", "all"})
# The noun of the whole is among the first few words of the phrase.
_WHOLE_WORDS = 3
# A question that asks the whole itself: "how many in all", "in total".
_ASKS_TOTAL = re.compile(r"\b(?:in\s+(?:all|total)|altogether|total)\b", re.IGNORECASE)
# A part written before its whole: "three of 15 candidate drugs".
_PART_BEFORE = re.compile(r"^\s+of\s+(?:the|its|their|his|her)?\s*$", re.IGNORECASE)
# A part written after its whole: "671 billion parameters in total, of which 37 billion".
_PART_AFTER = re.compile(r"^[^,;.]{0,40},\s*of\s+(?:which|whom|them|those|these)\s+$")
# ... or as a number "of them" later in its sentence: "6,000 users ...; 4,076 of them".
_OF_THEM = re.compile(r"\s+of\s+(?:them|those|these|whom)\b", re.IGNORECASE)
# ... or after a whole set off by "of": "Of its 671 billion parameters, 37 billion ...".
_WHOLE_OPENED = re.compile(r"\bof\s+(?:the|its|their|his|her)?\s*$", re.IGNORECASE)
_COMMA_AFTER_WHOLE = re.compile(r"^[^,;.]{0,40},\s*$")


def part_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the number written as a part of the first one first, where the
    first counts the whole the question names and asks a part of; else as it is."""
    out = list(ranked)
    if not out or not asked.counts or _ASKS_TOTAL.search(asked.text):
        return out
    whole = _whole_asked(asked.text)
    best = out[0]
    if not whole or best.span.kind not in NUMERIC or not counts_kind(best, whole):
        return out
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.text == best.sentence.text
            and _part_of(best, candidate)
        ),
        _LOOK_DOWN,
    )


def _whole_asked(question: str) -> frozenset[str]:
    """The stem of the noun that names the whole a counting question asks a part of
    ("parameter", "candidat"), in a one-word set; empty where it names none. Without a
    parse, the noun is the first plural among the phrase's first words, past its determiners
    and possessives ("of DeepSeek-V3's parameters", "from AI co-scientist's candidates"; not
    "drugs" of "of the experts chose drugs"), else its first word ("of its staff")."""
    found = _WHOLE.search(question)
    words = [
        word
        for word in (WORD.findall(found.group("whole")) if found else [])
        if word.lower() not in _DETERMINERS and not word.endswith(("'s", "\u2019s"))
    ][:_WHOLE_WORDS]
    plural = [word for word in words if len(word) > 3 and word.lower().endswith("s")]
    noun = (plural or words or [""])[0]
    return frozenset({stem(noun.lower())}) if noun else frozenset()


def _part_of(whole: Candidate, part: Candidate) -> bool:
    """Whether `part` is written as a part of `whole` in their sentence."""
    text = whole.sentence.text
    if part.span.end <= whole.span.start:
        return _PART_BEFORE.match(text[part.span.end : whole.span.start]) is not None
    between = text[whole.span.end : part.span.start]
    if _PART_AFTER.match(between) or _OF_THEM.match(text, part.span.end):
        return True
    opened = _WHOLE_OPENED.search(text[: whole.span.start]) is not None
    return opened and _COMMA_AFTER_WHOLE.match(between) is not None
