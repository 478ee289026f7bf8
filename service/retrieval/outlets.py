"""Outlets a question names ("according to TechCrunch", "did The Verge report ..."), found
among the sources of the indexed articles.

A question that names an outlet is asking about that outlet's reporting, so the retriever
boosts its articles (a boost, never a filter: a question may name several outlets, or an
outlet's name may be an ordinary word, as "Fortune" in "Fortune 500").

Each source gives a few aliases: its full name ("The Independent - Life and Style"), the
name before a section separator ("The Independent"), and for a bare domain ("cnn.com") the
domain's first label ("cnn"). Names are matched case-sensitively as whole words, because most
are ordinary words in title case ("The Week" is not "this week"); acronyms ("CNN") and domain
labels, which are not words, are matched in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECTION = re.compile(r"\s+[-|\u2013]\s+")  # "FOX News - Lifestyle", "Cnbc | World Business"
_MIN_ALIAS = 3  # shorter aliases ("AP", "FT") match too much inside ordinary questions


def aliases(source: str) -> tuple[set[str], set[str]]:
    """(case-sensitive aliases, case-insensitive aliases in lower case) of one source name."""
    name = " ".join(source.split())
    exact: set[str] = set()
    folded: set[str] = set()
    for alias in {name, _SECTION.split(name)[0].strip()}:
        if " " not in alias and "." in alias:
            label = alias.lower().removeprefix("www.").split(".")[0]
            folded.add(label)
        elif alias.isupper() and " " not in alias:
            folded.add(alias.lower())
        else:
            exact.add(alias)
    return (
        {a for a in exact if len(a) >= _MIN_ALIAS},
        {a for a in folded if len(a) >= _MIN_ALIAS},
    )


class OutletMatcher:
    """Finds the indexed sources a question names; one regex pass per question."""

    def __init__(self, sources: Iterable[str]) -> None:
        self._exact: dict[str, set[str]] = {}
        self._folded: dict[str, set[str]] = {}
        for source in sources:
            if not source or not source.strip():
                continue
            exact, folded = aliases(source)
            for alias in exact:
                self._exact.setdefault(alias, set()).add(source)
            for alias in folded:
                self._folded.setdefault(alias, set()).add(source)
        self._exact_pattern = _alternation(self._exact, flags=0)
        self._folded_pattern = _alternation(self._folded, flags=re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self._exact or self._folded)

    def mentioned(self, question: str) -> frozenset[str]:
        """Source names (as stored) whose outlet the question names."""
        found: set[str] = set()
        if self._exact_pattern is not None:
            for match in self._exact_pattern.finditer(question):
                found |= self._exact[match.group(0)]
        if self._folded_pattern is not None:
            for match in self._folded_pattern.finditer(question):
                found |= self._folded[match.group(0).lower()]
        return frozenset(found)


def _alternation(aliases: dict[str, set[str]], *, flags: int) -> re.Pattern[str] | None:
    if not aliases:
        return None
    # Longest first, so "The Independent - Sports" wins over "The Independent".
    ordered = sorted(aliases, key=len, reverse=True)
    body = "|".join(re.escape(alias) for alias in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)
