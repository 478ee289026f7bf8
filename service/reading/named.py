"""Names of things in the shapes a small NER model misses: a name and its version or size
("Llama 3.1 70B", "Aya Vision 8B"), a name in mixed case or with digits ("iPhone", "o3-mini"),
a name introduced as one ("a model called Muse Spark") and an acronym's expansion ("National
Institute of Standards and Technology" for NIST). candidates.py adds them to a sentence's
candidates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from service.reading.answer_types import AnswerType
from service.reading.spans import Span

# Inside a word between letters or digits: "Chick-fil-A", "Qwen2.5-VL" (never "5-VL").
GLUE = "-."
# Small words inside a name or its expansion: "Bank of America", "Texas A&M".
LINKS = frozenset({"of", "the", "and", "for", "de", "on", "&", "a", "an", "in", "at", "to"})
# A name, then a version: "Llama 3.1 70B", "Mistral 7B", "Windows 11", "GPT 4". A bare number
# after a name counts only before punctuation, a capital or a small word ("Biden 81 years",
# "Toyota 2 million" are no versions); months and weekdays are dates, not names.
_VERSION = r"\d{1,3}(?:\.\d+)+[A-Za-z]{0,2}\+?|\d{1,3}[A-Za-z]{1,2}\+?|\d{1,3}\+?"
_VERSIONED = re.compile(
    r"\b(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
    r"[a-z]*\.?\s)[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
    rf"(?:\s+(?:{_VERSION}))+(?:\s+(?:[A-Z][\w-]*|\d{{1,3}}[A-Z]{{1,2}}))*"
    r"(?=\s*$|\s*(?:[,;:)!?]|\.(?!\d))|\s+(?:[A-Z]|and\b|or\b|on\b|in\b|with\b|to\b|for\b|is\b|was\b|"
    r"from\b|at\b|by\b|of\b|as\b|that\b|which\b|model|beat|scored))"
)
# A name whose shape says it is a product's, in mixed case or capitals joined by a hyphen
# ("SigLIP", "CC-BY"), then a version, whatever follows: "the SigLIP 2 vision encoder", "under
# CC-BY 4.0 licenses". Not an amount: "DeepSeek 2 million" would be a count.
_ODD_VERSIONED = re.compile(
    r"\b(?P<name>[A-Za-z]*[a-z][A-Z][\w-]*|[A-Z]{2,}-[A-Z]{2,})\s+\d{1,3}(?:\.\d+)*\b"
    r"(?!\s*(?:%|percent|thousand|hundred|million|billion|trillion|times|years?|days?|hours?|"
    r"minutes?|seconds?|months?|weeks?|points?)\b)(?!\.\d)"
)
# A name and its size in parameters, glued: "Aya Vision 8B", "Qwen2.5-Omni 7B", "Gemma 3 27B".
# The size never stands alone after a name, whatever word follows ("Aya Vision 8B won ...").
SIZE = re.compile(r"\d{1,4}(?:\.\d+)?[BMKT]")
_SIZED = re.compile(
    r"\b[A-Z][\w-]*(?:\.\w[\w-]*)*(?:\s+(?:[A-Z][\w-]*(?:\.\w[\w-]*)*|\d{1,3}(?:\.\d+)?))*"
    rf"\s+{SIZE.pattern}\b"
)
# A capitalised word that opens a clause, not a name: "With Claude 3.7 Sonnet judging" (an
# article may be the name's own: "The Crown").
OPENER = re.compile(
    r"(?:With|In|On|At|For|From|By|As|After|Before|When|While|Unlike|Like|Through|Via|"
    r"Against|Of|To|And|But|Or)\s+"
)


def _without_opener(match: re.Match[str]) -> tuple[int, int]:
    """Where a matched name starts and ends, without the clause's opener before it."""
    opener = OPENER.match(match.group())
    return match.start() + (opener.end() if opener else 0), match.end()


# Names that start lower-case or mix letters and digits: "iPhone", "eBay", "o3-mini".
_ODD_NAME = re.compile(r"\b(?:[a-z]{1,3}[A-Z][\w-]*|[a-z]\d[\w.-]*)(?:\+)?")
# A name introduced as a name: "a model called Muse Spark", "dubbed 'the Snowman'".
_INTRODUCED = re.compile(
    r"\b(?:called|named|dubbed|nicknamed|titled|known as|branded(?: as)?|code-?named)\s+"
    r"(?:the\s+)?(?P<name>[\"\u201c\u2018'][^\"\u201d\u2019']{1,60}[\"\u201d\u2019']|"
    r"[A-Z0-9][\w'\u2019.&+-]*(?:\s+(?:[A-Z0-9][\w'\u2019.&+-]*|of|the|de))*)"
)


def versioned_ranges(sentence: str) -> list[tuple[int, int]]:
    """Where the sentence names a thing with its version or size ("Llama 3.1 70B")."""
    ranges = [_without_opener(m) for m in _VERSIONED.finditer(sentence)]
    ranges += [
        (m.start(), m.end())
        for m in _ODD_VERSIONED.finditer(sentence)
        if not any(start <= m.start() < end for start, end in ranges)
    ]
    ranges += [
        _without_opener(m)
        for m in _SIZED.finditer(sentence)
        if not any(start <= m.start() and m.end() <= end for start, end in ranges)
    ]
    return ranges


def unversioned_names(sentence: str) -> set[tuple[int, int]]:
    """Where a product's name stands without the version that follows it: "SigLIP" of "SigLIP
    2" is another thing than the one the sentence names."""
    return {m.span("name") for m in _ODD_VERSIONED.finditer(sentence)}


def glued_after(text: str, i: int) -> bool:
    """Whether position `i` continues a word through a hyphen or dot ("large-|v3")."""
    return i > 0 and text[i - 1] in GLUE and alnum(text, i - 2)


def alnum(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


def named_things(
    sentence: str, versioned: list[tuple[int, int]], acronyms: Sequence[str]
) -> Iterable[Span]:
    """Names of things a small NER model misses: the `versioned` ones, names that start in
    lower case or mix letters and digits, names introduced as names, the acronyms' expansions."""
    for start, end in versioned:
        yield Span(start, end, sentence[start:end], AnswerType.NAME, origin="versioned")
    for match in _ODD_NAME.finditer(sentence):
        if glued_after(sentence, match.start()):
            continue  # the end of a longer name: "v3" of "Whisper-large-v3"
        yield Span(match.start(), match.end(), match.group(), AnswerType.NAME, origin="odd")
    for match in _INTRODUCED.finditer(sentence):
        start, end = match.span("name")
        text = match.group("name")
        if text[0] in "\"\u201c\u2018'":
            start, end = start + 1, end - 1
        text = sentence[start:end].rstrip(".,;:")
        if text:
            yield Span(start, start + len(text), text, AnswerType.NAME, origin="introduced")
    for acronym in acronyms:
        yield from _expansions(sentence, acronym)


def _expansions(sentence: str, acronym: str) -> Iterable[Span]:
    """Runs of capitalised words whose initials spell the acronym ("National Institute of
    Standards and Technology" for NIST); small linking words do not count."""
    words = list(re.finditer(r"[\w'\u2019-]+", sentence))
    letters = acronym_letters(acronym)
    if len(letters) < 2:
        return
    for i, first in enumerate(words):
        if not first.group()[0].isupper() or first.group()[0] != letters[0]:
            continue
        taken, j = 0, i
        while j < len(words) and taken < len(letters):
            word = words[j].group()
            if word.lower() in LINKS and taken > 0:
                j += 1
                continue
            if word[0].upper() != letters[taken] or not word[0].isupper():
                break
            taken, j = taken + 1, j + 1
        if taken == len(letters) and j - i > 1:
            start, end = first.start(), words[j - 1].end()
            yield Span(start, end, sentence[start:end], AnswerType.NAME, origin="expansion")


def acronym_letters(acronym: str) -> str:
    """The initials an acronym's expansion has: all its letters in capitals ("NIST"), or only
    its capitals where it mixes cases ("TabPFN": Tabular Prior-data Fitted Network)."""
    if acronym.isupper():
        return acronym.upper()
    return "".join(char for char in acronym if char.isupper())
