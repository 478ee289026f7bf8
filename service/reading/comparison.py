"""Comparison questions: two named options and a measure ("Which scored higher on MMLU, Orion 2
or Vega 3?", "Between Brightwater and Quillfeather, which raised more money?").

Each option's value is read on its own: a search and a read of "<option> <what is measured>:
how much?", whose words the reader needs (the option as the focus, the measure's words, "how
much" for a number), not its grammar. Where both reads give a number, each said in a sentence
that names its option, the comparative word decides ("higher", "more", "bigger" take the
larger; "lower", "fewer", "cheaper" the smaller), and the answer is the winning option as the
question names it, with each value's sentence cited. Its confidence is the product of the two
reads'; where either read abstains or gives no number for its option, the values tie, or the
product is below the threshold, the caller reads the question as it was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.types import Answer, ReadPassages, SearchAgain

_MORE = r"higher|more|better|larger|bigger|greater|longer|faster|most|highest|largest|biggest"
_LESS = r"lower|less|fewer|worse|smaller|cheaper|shorter|slower|least|lowest|smallest|cheapest"
_COMPARATIVE = rf"(?P<comp>{_MORE}|{_LESS})"
_OPTION = r"[^,?]+?"
_PATTERNS = (
    # "Which scored higher on MMLU, Orion 2 or Vega 3?"
    re.compile(
        rf"^\s*(?:which|who)\b(?P<body>[^?,]*?)\b{_COMPARATIVE}\b(?P<rest>[^?,]*?),\s*"
        rf"(?:(?:the\s+)?one\s+of\s+)?(?P<a>{_OPTION})\s+or\s+(?P<b>{_OPTION})\s*\?\s*$",
        re.IGNORECASE,
    ),
    # "Between Brightwater and Quillfeather, which raised more money?"
    re.compile(
        rf"^\s*(?:between|of)\s+(?P<a>{_OPTION})\s+and\s+(?P<b>{_OPTION}),\s*(?:which|who)\b"
        rf"(?P<body>[^?]*?)\b{_COMPARATIVE}\b(?P<rest>[^?]*?)\s*\?\s*$",
        re.IGNORECASE,
    ),
)
_AUXILIARY = re.compile(r"^\s*(?:one\s+)?(?:did|does|do|is|was|are|were|has|had|have)\b\s*", re.I)
_NUMBER = re.compile(
    r"(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>thousand|million|billion|trillion|bn|k)?"
)
_LEADS_WITH_NUMBER = re.compile(
    r"^\s*(?:(?:about|around|nearly|almost|roughly|approximately|some|just|only|over|under|"
    r"more than|less than|up to|at least)\s+)?[$\u20ac\u00a3]?\s*\d",
    re.IGNORECASE,
)
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}


@dataclass(frozen=True)
class ComparisonQuestion:
    """Two options, the measure asked about, and whether the larger value wins."""

    options: tuple[str, str]
    measure: str  # "scored on MMLU"
    larger_wins: bool

    def question_for(self, option: str) -> str:
        """The question that reads one option's value."""
        return f"{option} {self.measure}: how much?"


def parse_comparison(question: str) -> ComparisonQuestion | None:
    """The options and measure of a comparison question, or None for any other question."""
    for pattern in _PATTERNS:
        match = pattern.match(question)
        if match is None:
            continue
        a, b = match.group("a").strip(), match.group("b").strip()
        measure = " ".join(
            f"{_AUXILIARY.sub('', match.group('body'))} {match.group('rest')}".split()
        )
        if not a or not b or a.lower() == b.lower() or not measure:
            return None
        larger = re.fullmatch(_MORE, match.group("comp"), re.IGNORECASE) is not None
        return ComparisonQuestion((a, b), measure, larger)
    return None


def value_of(text: str) -> float | None:
    """The number an answer states ("81.4 percent", "$30 million", "1,200"), or None where it
    states none up front (the "2" of a name such as "Orion 2" is no value)."""
    if not _LEADS_WITH_NUMBER.match(text):
        return None
    match = _NUMBER.search(text)
    if match is None:
        return None
    value = float(match.group("n").replace(",", ""))
    scale = (match.group("scale") or "").lower()
    return value * _SCALES.get(scale, 1.0)


def read_comparison(
    comparison: ComparisonQuestion,
    search: SearchAgain,
    read: ReadPassages,
    abstain_threshold: float,
) -> Answer | None:
    """The option whose value wins, with both values' sentences cited; None where the reads
    do not settle it (the caller then reads the question as asked)."""
    readings = []
    for option in comparison.options:
        asked = comparison.question_for(option)
        answer = read(asked, search(asked))
        value = None if answer.abstained or answer.text is None else value_of(answer.text)
        # The value must be said of this option: a number from the other option's article (or
        # any article) would compare nothing.
        said_of = answer.citations[0].quote.lower() if answer.citations else ""
        if value is None or option.lower() not in said_of:
            return None
        readings.append((option, value, answer))
    (first, one, said_one), (second, other, said_other) = readings
    if one == other:
        return None
    first_wins = (one > other) == comparison.larger_wins
    confidence = said_one.confidence * said_other.confidence
    if confidence < abstain_threshold:
        return None
    winner, loser = (said_one, said_other) if first_wins else (said_other, said_one)
    return Answer(
        text=first if first_wins else second,
        abstained=False,
        confidence=confidence,
        citations=(*winner.citations[:1], *loser.citations[:1]),
    )
