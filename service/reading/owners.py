"""The named thing an amount belongs to: the name nearest before it in its sentence.

"Grok 3 without reasoning scored 52 percent, and Grok 3 mini 40 percent": 40 percent is Grok 3
mini's. "Amazon leads with $105 billion of planned capital expenditure. ... Microsoft plans
about $80 billion": $80 billion is Microsoft's. Asked what Grok 3 mini scored or what
Microsoft plans to spend, the ranker weighs the amounts of such a sentence or passage much
alike: each sits near the question's words. Where the question asks an amount, the ranker's
first amount belongs to a name the question does not give, and another amount ranked near it
belongs to a name it gives, that one answers in the first one's place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import ORDINAL
from service.reading.asked import Asked
from service.reading.context import Candidate
from service.reading.name_runs import NAME_LINKS, NameRun, name_runs
from service.reading.spans import NUMERIC, Tagged

# How far down the ranking an amount of the asked name is looked for.
_LOOK_DOWN = 10
# What may stand between an amount and the name it counts: "-year-old", "-strong".
_COMPOUNDS = re.compile(r"^[\s-]*(?:[\w.]+-[\w-]+\s+)*\s*")
# A sentence that opens with a phrase of place or means ("Through the API, developers ..."):
# a name inside that phrase is where or how, not whose.
_FRONTED = re.compile(
    r"^(?:through|via|in|on|at|for|with|from|under|over|across|during|after|before|among|"
    r"according to|unlike|like)\b[^,]*,",
    re.IGNORECASE,
)


def owned_amount_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount of a name the question gives first, where the first
    candidate is an amount of a name it does not give; else as it is. Only an amount of the
    same passage replaces it: across articles a name's amount may be of another year or
    another thing."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not asked.focus or not out:
        return out
    best = out[0]
    if (
        best.span.kind not in NUMERIC
        or best.owner is None
        or _names_asked(best.owner, asked)
        or _counts_asked(best, asked)
        or _asked_name_between(best, asked)
    ):
        return out
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.chunk.id == best.sentence.chunk.id
            and not ORDINAL.match(candidate.span.text)
            and _names_asked(candidate.owner, asked)
        ),
        _LOOK_DOWN,
    )


def _asked_name_between(candidate: Candidate, asked: Asked) -> bool:
    """Whether a name the question gives stands between the amount and its owner, where it
    only qualifies a noun: "the study by the Pew centre found that 62% ..." is Pew's too."""
    text, owner = candidate.sentence.text, candidate.owner or ""
    before = text[: candidate.span.start]
    at = before.lower().rfind(owner)
    return at >= 0 and any(
        _names_asked(run.text, asked) for run in name_runs(before[at + len(owner) :])
    )


def _counts_asked(candidate: Candidate, asked: Asked) -> bool:
    """Whether the amount counts or measures a name the question gives, which follows it
    (through a compound at most): "206 National Olympic Committees", "200,000 Nvidia H100
    GPUs", "80-year-old Biden"."""
    after = candidate.sentence.text[candidate.span.end : candidate.span.end + 80].lower()
    after = _COMPOUNDS.sub("", after)
    return any(after.startswith(name) for name in asked.focus)


def owner_before(
    sentence: str, start: int, tagged: Tagged | None, runs: Sequence[NameRun] | None = None
) -> str | None:
    """The name nearest before offset `start` of a sentence, lower-cased, or None. A name that
    only qualifies the noun after it is no owner ("the largest US bank", "the API price": the
    tagger's noun phrases say so). A sentence's first word is capitalised whatever it is, so it
    counts only where the tagger took it for a proper noun ("Amazon leads with ...", not
    "Training used ..."). `runs`: the sentence's name runs, where the caller has them."""
    proper = tagged.proper_starts if tagged else frozenset()
    phrases = [(n.start, n.end) for n in tagged.nouns] if tagged else []
    fronted = _FRONTED.match(sentence)
    runs = name_runs(sentence) if runs is None else runs
    if any(run.start < start < run.end for run in runs):
        runs = name_runs(sentence[:start])  # a run that takes in the amount ("Grok 3 52")
    for run in reversed([run for run in runs if run.end <= start]):
        if fronted and run.end <= fronted.end():
            break
        words = run.words
        if run.start == 0 and 0 not in proper:
            # "On the MathBench test": the opening word goes; the name after it may stay
            words = words[1:]
            while words and words[0] in NAME_LINKS:
                words = words[1:]
        # a noun phrase that runs on past the name: "the largest US bank"
        qualifies = any(a < run.end < b for a, b in phrases)
        if words and not qualifies:
            return " ".join(words)
    return None


def _names_asked(owner: str | None, asked: Asked) -> bool:
    """Whether a name is one the question gives, or another form of it: a longer name that
    ends with it ("Halvorsen Wren" for "Wren"), its last words ("Calloway" for "Ines
    Calloway", "Scout" for "Corvid 4 Scout"), or its first words where they end in no version
    ("Pew" for "Pew Research Center"; "Grok 3" is not "Grok 3 mini")."""
    if owner is None:
        return False
    for name in asked.focus:
        if owner == name or owner.endswith(" " + name):
            return True
        if name.endswith(" " + owner) and not owner.isdigit():  # not "3" of "Grok 3"
            return True
        if name.startswith(owner + " ") and not any(c.isdigit() for c in owner.split()[-1]):
            return True
    return False
