"""Other forms of what a question already says, so that the reader can tell an answer from an
echo of the question.

"Major backlash followed the US Centers for Disease Control's change of guidance on what?" is
not answered by "the CDC", nor "Which unique animal did Chilean protesters bring?" by
"Chilean"'s country, though both stand next to the answer in the sentence that gives it. Two
general forms are recognised: the initials of a run of capitalised words (an acronym written
out in the question), and a place name with its people's suffix added or taken away
("Australia" / "Australian", "Iraq" / "Iraqi", "China" / "Chinese"). Irregular pairs
("France" / "French") are left out: a table of them would be a list of entities.
"""

from __future__ import annotations

import re

# Capitalised words of the question with the function words that may sit inside a name.
_NAME_WORDS = re.compile(r"[A-Z][\w&'\u2019.-]*|\b(?:of|for|and|the|de|&)\b")
_INSIDE_NAMES = frozenset({"of", "for", "and", "the", "de", "&"})
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")
# People's suffixes, each with how the place name may end before it: "Chile" + "an", "Canada"
# less its "a" + "ian", "Ukraine" less its "e" + "ian", "Japan" + "ese", "Israel" + "i".
_SUFFIXES = ("n", "an", "ian", "ese", "i")
_DROPPED_ENDINGS = ("", "a", "e")
_SHORTEST_PLACE = 4


def question_echoes(question: str) -> frozenset[str]:
    """Lower-case forms a candidate answer may take that only restate the question."""
    return frozenset(_acronyms(question) | _people_forms(question))


def _acronyms(question: str) -> set[str]:
    """Initials of every run of two or more capitalised words (function words inside a name
    skipped, and never opening or closing a run; each capitalised part of a hyphenated word
    counts): "World Health Organization" gives "who", "US Centers for Disease Control" gives
    "cdc" and "uscdc", "Computer-Using Agent" gives "cua"."""
    out: set[str] = set()
    for run in _capitalised_runs(question):
        for start in range(len(run)):
            for end in range(start + 2, len(run) + 1):
                out.add("".join(word[0] for word in run[start:end]).lower())
    return out


def _capitalised_runs(question: str) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    position = 0
    for match in _NAME_WORDS.finditer(question):
        between = question[position : match.start()]
        position = match.end()
        if between.strip(" ") or (match.group() in _INSIDE_NAMES and not runs[-1]):
            runs.append([])  # anything but spaces between two words ends a run
        if match.group() in _INSIDE_NAMES:
            continue
        parts = match.group().split("-")
        if "." in match.group() or not all(p[:1].isupper() and p[1:].isalpha() for p in parts[1:]):
            runs.append([])  # "Covid-19", "U.S.": not words of an acronym
            continue
        runs[-1].extend(parts)  # "Computer-Using Agent" is written out as "CUA"

    return [run for run in runs if len(run) >= 2]


def _people_forms(question: str) -> set[str]:
    """For each capitalised word, the words it becomes with a people's suffix added or taken
    away ("chile" -> "chilean", "australian" -> "australia")."""
    out: set[str] = set()
    for match in _WORD.finditer(question):
        word = match.group()
        if not word[0].isupper():
            continue
        word = re.sub(r"['\u2019]s?$", "", word.lower())
        if len(word) < _SHORTEST_PLACE or not word.isalpha():
            continue
        for suffix in _SUFFIXES:
            for ending in _DROPPED_ENDINGS:
                # Added: the place as written, less an ending it may drop, plus the suffix.
                if word.endswith(ending):
                    out.add(word[: len(word) - len(ending)] + suffix)
                # Taken away: the people's word, less the suffix, plus the ending it dropped.
                stem = word.removesuffix(suffix)
                if stem != word and len(stem) + len(ending) >= _SHORTEST_PLACE:
                    out.add(stem + ending)
    out.discard("")
    return out
