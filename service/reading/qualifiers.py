"""What an amount is measured per, or over: "$19.99 a month" against "$139 a year", "$0.55 per
million input tokens" against "$2.19 per million output tokens", "671 billion parameters in
total" against "37 billion are active", "77 pounds" where a height is asked.

A sentence often states two amounts of one thing side by side, each with its own qualifier; the
question names the one it wants ("what does a year of Prime cost", "the price per million output
tokens"). An amount whose qualifier is another of the same kind answers a different question.
"""

from __future__ import annotations

import re

# Each qualifier word, with the kind it belongs to and the value it names.
_PERIODS = {
    "hour": "hour", "hourly": "hour", "day": "day", "daily": "day", "week": "week",
    "weekly": "week", "month": "month", "monthly": "month", "year": "year", "yearly": "year",
    "annual": "year", "annually": "year", "quarter": "quarter", "quarterly": "quarter",
}  # fmt: skip
_FLOWS = {"input": "input", "output": "output"}
# A mixture of experts' parameters: all of them, or those active for each token.
_SCOPES = {"active": "active", "total": "total"}
# What a measure measures: "how tall" is not answered by "77 pounds". Only words that say it
# ("high" is more often "high effort" than a height).
_LENGTHS = "tall height feet foot inch inches meter meters metre metres centimeters cm mile miles"
_MASSES = "heavy weigh weighs weight pounds lbs kilogram kilograms kg ton tons tonne tonnes grams"
_DIMENSIONS = {
    **dict.fromkeys(_LENGTHS.split(), "length"),
    **dict.fromkeys(_MASSES.split(), "mass"),
}
_KINDS = {"period": _PERIODS, "flow": _FLOWS, "scope": _SCOPES, "dimension": _DIMENSIONS}
# A period qualifies an amount only as a rate ("a month", "per year", "each week", "monthly"):
# "this year" and "last week" say when, not per what.
_RATE_MARKERS = frozenset({"a", "an", "per", "each", "every"})
_RATE_REACH = 3  # "per calendar year", "a full month"
_WHEN = frozenset({"this", "last", "next", "that", "same", "the", "previous", "coming", "past"})
_ADVERBS = frozenset({"hourly", "daily", "weekly", "monthly", "yearly", "annual", "annually",
                      "quarterly"})  # fmt: skip
_WORD = re.compile(r"[a-z]+")
_TAIL_WORDS = 5  # how far after an amount its qualifier may stand
# Where the amount's clause ends: punctuation (a dot only before a space: "1.5" goes on) or
# the next clause's conjunction ("$0.40 per million input tokens and $1.60 per ...").
_TAIL_END = re.compile(r"\.\s|[,;:()]|\b(?:and|but|while)\b")
# Two amounts written as a pair, each with its own qualifier: "$15/$60 per million input/output
# tokens".
_AMOUNT = r"[$\u20ac\u00a3\u00a5]?\d[\d.,]*(?:\s?(?:[kKmMbB]|bn|million|billion))?"
_PAIR_AFTER = re.compile(rf"\s*/\s*{_AMOUNT}")
_PAIR_BEFORE = re.compile(rf"{_AMOUNT}\s*/\s*$")
_WORD_PAIR = re.compile(r"\b([a-z]+)\s*/\s*([a-z]+)\b")
# Two bare amounts joined by "and" after a qualified pair earlier in the sentence take its
# qualifiers in order: "$1.10 per million input tokens and $4.40 per million output tokens,
# while o1 charges $15 and $60".
_AND_AFTER = re.compile(rf"\s+and\s+{_AMOUNT}")
_AND_BEFORE = re.compile(rf"{_AMOUNT}\s+and\s+$")
_AMOUNT_IN = re.compile(rf"(?<![\w.]){_AMOUNT}")  # not the "1" of "o1"


def qualifiers(text: str) -> dict[str, frozenset[str]]:
    """The rate periods and flows `text` names, by kind ("a year" -> {"period": {"year"}})."""
    words = _WORD.findall(text.lower())
    found: dict[str, set[str]] = {}
    for i, word in enumerate(words):
        for kind, values in _KINDS.items():
            value = values.get(word)
            if value is None:
                continue
            if kind == "period" and not _is_rate(words, i):
                continue
            found.setdefault(kind, set()).add(value)
    return {kind: frozenset(values) for kind, values in found.items()}


def qualifier_clash(sentence: str, span: tuple[int, int], asked: dict[str, frozenset[str]]) -> bool:
    """Whether the amount at `span` (start, end) is qualified by another value of a kind the
    question names: "$19.99 a month" when a year's price is asked. Of a pair of amounts with a
    pair of qualifiers ("$1.10/$4.40 per million input/output tokens"), each takes its own."""
    if not asked:
        return False
    start, end = span
    position = None
    after = _PAIR_AFTER.match(sentence, end)
    if after is not None:
        position, end = 0, after.end()
    elif _PAIR_BEFORE.search(sentence, 0, start):
        position = 1
    tail = _clause_after(sentence, end)
    said = qualifiers(tail)
    # A measure's unit is often inside the span ("77 pounds"), and says what it measures
    # (read only where the question asks for a dimension: this runs for every amount read).
    own = qualifiers(sentence[start:end]).get("dimension") if "dimension" in asked else None
    if own is not None:
        said["dimension"] = said.get("dimension", frozenset()) | own
    if position is not None:
        said |= _paired(tail, position)
    if not said:
        said = _respective(sentence, start, end, asked)
    return any(kind in said and not said[kind] & wanted for kind, wanted in asked.items())


def _respective(
    sentence: str, start: int, end: int, asked: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """The qualifier an unqualified amount of an "A and B" pair takes by its place from the
    last pair of amounts before it whose qualifiers differ in an asked kind ("input" for "$15"
    of "... $1.10 per million input tokens and $4.40 per million output tokens, while o1
    charges $15 and $60"); nothing where there is no such pair."""
    if _AND_AFTER.match(sentence, end):
        position, pair_start = 0, start
    elif before := _AND_BEFORE.search(sentence, 0, start):
        position, pair_start = 1, before.start()
    else:
        return {}
    earlier = [
        qualifiers(_clause_after(sentence, m.end()))
        for m in _AMOUNT_IN.finditer(sentence, 0, pair_start)
    ]
    for first, second in zip(reversed(earlier[:-1]), reversed(earlier[1:]), strict=True):
        for kind in asked:
            if kind in first and kind in second and first[kind] != second[kind]:
                return {kind: (first, second)[position][kind]}
    return {}


def _clause_after(sentence: str, end: int) -> str:
    """The first words of the clause after an amount ending at `end`, where its qualifier
    stands."""
    tail = sentence[end:]
    stop = _TAIL_END.search(tail)
    if stop is not None:
        tail = tail[: stop.start()]
    return " ".join(tail.split()[:_TAIL_WORDS])


def _paired(tail: str, position: int) -> dict[str, frozenset[str]]:
    """The value at `position` of each qualifier pair in `tail` ("input/output": position 1
    is "output")."""
    found = {}
    for match in _WORD_PAIR.finditer(tail.lower()):
        for kind, values in _KINDS.items():
            pair = values.get(match.group(1)), values.get(match.group(2))
            if pair[0] and pair[1]:
                found[kind] = frozenset({pair[position] or ""})
    return found


def _is_rate(words: list[str], i: int) -> bool:
    if words[i] in _ADVERBS:
        return True
    if i > 0 and words[i - 1] in _WHEN:
        return False
    return bool(_RATE_MARKERS.intersection(words[max(0, i - _RATE_REACH) : i]))
