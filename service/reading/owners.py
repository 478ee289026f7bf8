"""The named thing an amount belongs to: the name it is said to be "for", else the name
nearest before it in its sentence.

"Grok 3 without reasoning scored 52 percent, and Grok 3 mini 40 percent": 40 percent is Grok 3
mini's. "Amazon leads with $105 billion of planned capital expenditure. ... Microsoft plans
about $80 billion": $80 billion is Microsoft's. "... 13.8 percent at high effort, against 47
percent for o1": 47 percent is o1's. Asked what Grok 3 mini scored or what Microsoft plans to
spend, the ranker weighs the amounts of such a sentence or passage much alike: each sits near
the question's words. Where the question asks an amount, the ranker's first amount belongs to
a name the question does not give, and another amount ranked near it belongs to a name it
gives, that one answers in the first one's place. An amount whose passage never names what the
question asks about gives way to one of a passage that does (amount_of_named_passage_first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote_first
from service.reading.answer_types import ORDINAL
from service.reading.asked import Asked
from service.reading.context import Candidate, named_text
from service.reading.features import missing_share
from service.reading.name_runs import NAME_LINKS, NameRun, name_runs
from service.reading.spans import NUMERIC, Tagged
from service.reading.terms import WORD, stem

# How far down the ranking an amount of the asked name is looked for.
_LOOK_DOWN = 10
# What may stand between an amount and the name it counts: "-year-old", "-strong".
_COMPOUNDS = re.compile(r"^[\s-]*(?:[\w.]+-[\w-]+\s+)*\s*")
# What joins an amount to the name it is "for": more amounts of a list ("$15 and $60 for o1"),
# then "for" ("47 percent for o1").
_FOR_NAME = re.compile(
    r"(?:(?:,\s*|\s+and\s+|\s+or\s+)[$\u20ac\u00a3]?\d[\d.,]*"
    r"(?:\s*(?:percent|%|billion|million|trillion))?)*\s+for\s+(?:(?:the|an?)\s+)?"
)
# A sentence that opens with a phrase of place or means ("Through the API, developers ..."):
# a name inside that phrase is where or how, not whose.
_FRONTED = re.compile(
    r"^(?:through|via|in|on|at|for|with|from|under|over|across|during|after|before|among|"
    r"according to|unlike|like)\b[^,]*,",
    re.IGNORECASE,
)


def owned_amount_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount of a name the question gives first, where the first
    candidate is an amount of a name it does not give (or of no name, while an amount of its
    sentence is said to be "for" a name it gives); else as it is. Only an amount of the same
    passage replaces it: across articles a name's amount may be of another year or another
    thing."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not asked.focus or not out:
        return out
    best = out[0]
    if best.span.kind in NUMERIC and best.owner is None and not _counts_asked(best, asked):
        return _said_for_asked_first(out, asked)
    if (
        best.span.kind not in NUMERIC
        or best.owner is None
        or names_asked(best.owner, asked)
        or _counts_asked(best, asked)
        or _asked_name_between(best, asked)
    ):
        return out
    # An amount said to be "for" another name ("compared with $15 and $60 for o1") leaves the
    # passage's amounts of no name to the thing it is about ("The API price is $1.10 ...").
    text = best.sentence.text
    for_another = _owner_after(text, best.span.end, name_runs(text)) is not None
    subject = _subject_words(asked) if for_another else ()
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.chunk.id == best.sentence.chunk.id
            and not ORDINAL.match(candidate.span.text)
            and (
                names_asked(candidate.owner, asked)
                or (for_another and candidate.owner is None and _names_all(candidate, subject))
            )
        ),
        _LOOK_DOWN,
    )


def _said_for_asked_first(ranked: list[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount of the first one's sentence that is said to be "for" a
    name the question gives first, where the first amount belongs to no name: "deep research
    scored 26.6 percent, versus 9.4 percent for DeepSeek-R1" (the lower-case subject owns
    nothing) answers what DeepSeek-R1 scored with 9.4 percent."""
    best = ranked[0]
    text = best.sentence.text
    runs = name_runs(text)
    return promote_first(
        ranked,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and candidate.sentence.text == text
            and names_asked(_owner_after(text, candidate.span.end, runs), asked)
        ),
        _LOOK_DOWN,
    )


def amount_of_named_passage_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best amount of a passage that names what the question is about
    first, where the first candidate's passage never names it; else as it is.

    "Pricing is $3 per million input tokens ..." (a brief on Claude 3.7 Sonnet) outranks "The
    API price is $1.10 per million input tokens ..." for "How much does o3-mini charge per
    million input tokens?": neither sentence names its model, and the ranker weighs the words
    they share with the question. An amount whose passage never names the asked thing is
    another thing's. What names it are the words of the question's names that few other
    things share: rare words ("sonnet") and names with a version ("o3-mini"); a common name
    ("Biden", "UN") is often left out of a passage about it, and decides nothing here."""
    out = list(ranked)
    if asked.expected not in NUMERIC or not out:
        return out
    subject = _subject_words(asked)
    best = out[0]
    if not subject or best.span.kind not in NUMERIC or _names_any(best, subject):
        return out
    return promote_first(
        out,
        lambda candidate: (
            candidate.span.kind == best.span.kind
            and _names_all(candidate, subject)
            and not ORDINAL.match(candidate.span.text)
        ),
        _LOOK_DOWN,
    )


def _subject_words(asked: Asked) -> tuple[str, ...]:
    """The words of the question's names that say what it is about: rare ones, and names with
    a version ("o3-mini", "qwq-32b")."""
    versioned = (
        word
        for name in asked.focus
        for word in WORD.findall(name)
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
    )
    # Stemmed, so that "UFO cases" names "UFOs": each is looked for inside the passage's text.
    return tuple(dict.fromkeys(stem(word) for word in (*asked.rare_focus, *versioned)))


def _names_any(candidate: Candidate, words: tuple[str, ...]) -> bool:
    """Whether the candidate's passage, its title or its outlet holds any of the words (a
    later passage of an article may name its subject only in the title)."""
    return missing_share(named_text(candidate.sentence.chunk), words) < 1.0


def _names_all(candidate: Candidate, words: tuple[str, ...]) -> bool:
    return bool(words) and missing_share(named_text(candidate.sentence.chunk), words) == 0.0


def _asked_name_between(candidate: Candidate, asked: Asked) -> bool:
    """Whether a name the question gives stands between the amount and its owner, where it
    only qualifies a noun: "the study by the Pew centre found that 62% ..." is Pew's too."""
    text, owner = candidate.sentence.text, candidate.owner or ""
    before = text[: candidate.span.start]
    at = before.lower().rfind(owner)
    return at >= 0 and any(
        names_asked(run.text, asked) for run in name_runs(before[at + len(owner) :])
    )


def _counts_asked(candidate: Candidate, asked: Asked) -> bool:
    """Whether the amount counts or measures a name the question gives, which follows it
    (through a compound at most): "206 National Olympic Committees", "200,000 Nvidia H100
    GPUs", "80-year-old Biden"."""
    after = candidate.sentence.text[candidate.span.end : candidate.span.end + 80].lower()
    after = _COMPOUNDS.sub("", after)
    return any(after.startswith(name) for name in asked.focus)


def amount_owner(
    sentence: str, start: int, end: int, tagged: Tagged | None, runs: Sequence[NameRun]
) -> str | None:
    """The name an amount at `start`..`end` of a sentence belongs to: the name after "for"
    where the amount (or the list it opens) is followed by one ("against 47 percent for o1",
    "$15 and $60 for o1"), else the name nearest before it (owner_before)."""
    return _owner_after(sentence, end, runs) or owner_before(sentence, start, tagged, runs)


def _owner_after(sentence: str, span_end: int, runs: Sequence[NameRun]) -> str | None:
    """The name an amount ending at `span_end` is said to be "for", or None."""
    after = _FOR_NAME.match(sentence, span_end)
    if after is None:
        return None
    return next((run.text for run in runs if run.start == after.end() and run.words), None)


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


def names_asked(owner: str | None, asked: Asked) -> bool:
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
