"""The names a text gives: its capitalised and versioned runs of words.

A question's runs (and its quoted strings) are what it is about (`focus_names`: "Who leads
Superintelligence Labs?" is about "superintelligence labs"); a sentence's runs say whose an
amount is (owners.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text.stopwords import READER_STOPWORDS
from service.reading.terms import ABBREVIATIONS

# Small words a run of capitals may hold ("Bank of America"), but neither open nor close.
NAME_LINKS = frozenset({"of", "the", "for", "de", "and", "&"})
# Capitalised runs of a text (a question's named entities), and quoted strings.
# A name in lower case is a model's: a few letters and a version ("o1", "o3-mini"). A variant
# word in lower case closes a versioned name ("Grok 3 mini", "GPT-4.1 nano"): without it the
# question asks about another model than the one it names. A number goes on a run only
# without a link before it: "Grok 3", not "DeepSeek-R1 and 9.1" of "for DeepSeek-R1 and 9.1
# percent for o1".
_NAME_RUN = re.compile(
    r"(?<![\w'\u2019])(?:[A-Z][\w&.-]*(?:['\u2019](?!s\b)[\w&.-]+)?|\d+[A-Za-z][\w-]*"
    r"|[a-z]{1,4}-?\d[\w.-]*)"
    r"(?:\s+(?:(?:of|the|for|de|and|&)\s*[A-Z][\w&.-]*|[A-Z][\w&.-]*|\d[\w.]*))*"
    r"(?:(?:(?<=\d)|(?<=\d[a-z]))\s+(?:mini|nano)\b)?"
)
# Quoted strings: the opening mark after a space (or first), the closing one before a space or
# punctuation, so that the apostrophe of "Google's" closes nothing.
_QUOTED = re.compile(
    r"(?:^|(?<=[\s(]))[\"\u201c\u2018']([^\"\u201c\u201d\u2018\u2019']{2,60})[\"\u201d\u2019']"
    r"(?=[\s,.;:?!)]|$)"
)
# A month or a weekday, whole or cut short: not a name that begins as one does ("Mariner",
# "Janus", "Sunak").
_DATES = re.compile(
    r"^(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|"
    r"tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|"
    r"sun(?:day)?)\.?(?:\s+\d.*)?$"
)
_OPENERS = frozenset(
    [
        "who",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "whose",
        "whom",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "after",
        "before",
        "during",
        "between",
        "according",
        "as",
        "for",
        "from",
        "to",
        "of",
        "by",
        "since",
        "with",
        "considering",
        "given",
        "based",
        "following",
        "this",
        "these",
        "that",
        "both",
        "either",
        "neither",
    ]
)


def _sentences_of(run: re.Match[str]) -> list[list[str]]:
    """A capitalised run's words, cut where a sentence of the question ends inside it: "the
    Halvorsen Prize is on Sunday. How many ...", but not "U.S. Army" nor "Dr. Ruiz"."""
    runs: list[list[str]] = [[]]
    for word in run.group().split():
        runs[-1].append(word)
        bare = word.rstrip(".")
        if bare != word and len(bare) > 1 and "." not in bare and bare not in ABBREVIATIONS:
            runs.append([])
    return [words for words in runs if words]


@dataclass(frozen=True)
class NameRun:
    """A capitalised or versioned run of a text: where it starts and ends, and its words
    lower-cased."""

    start: int
    end: int
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


def name_runs(text: str) -> list[NameRun]:
    """The name runs of a text in order, without a closing possessive: "Grok 3 without
    reasoning scored 52 percent, and Grok 3 mini" gives "grok 3" and "grok 3 mini"."""
    runs = []
    for match in _NAME_RUN.finditer(text):
        at = match.start()
        for words in _sentences_of(match):
            start = text.index(words[0], at)
            at = text.index(words[-1], start) + len(words[-1])
            run = re.sub(r"['\u2019]s$", "", " ".join(words).strip(".,;:'\u2019")).lower()
            runs.append(NameRun(start, at, tuple(run.split())))
    return runs


def focus_names(question: str) -> tuple[str, ...]:
    """The named things a question is about: capitalised runs (not its opening word alone) and
    quoted strings, lower-cased, longest first."""
    names: dict[str, None] = {}
    for match in _QUOTED.finditer(question):
        names.setdefault(match.group(1).strip().lower(), None)
    for words in (run for match in _NAME_RUN.finditer(question) for run in _sentences_of(match)):
        while words and words[0].lower().strip(".,") in _OPENERS:
            words.pop(0)
        while words and words[-1].lower() in NAME_LINKS:
            words.pop()
        text = " ".join(words).strip(".,;:'\u2019")
        text = re.sub(r"['\u2019]s$", "", text)
        if (
            len(text) >= 2
            and text.lower() not in READER_STOPWORDS
            and not _DATES.match(text.lower())
        ):
            names.setdefault(text.lower(), None)
    return tuple(sorted(names, key=len, reverse=True))
