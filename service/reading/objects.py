"""The thing a sentence says the asked verb acts on: "declared a national energy emergency".

"What did Trump declare alongside Stargate?" asks for the object of "declare"; the sentence
that answers it says "... and declared a national energy emergency to speed up energy
production", beside three company names that the ranker, fitted on quizzes whose answers are
mostly names, scores higher. Where a question opens with "what" and an auxiliary ("what did",
"what does", "what was"), "what" stands for the object of its verb (or of the preposition
after it: "what was it tuned for?"), and the answer is the phrase that follows a form of that
verb in a sentence that names what the question names: "writes a description of each" for
"What does Clio have Claude write for each cluster?", "tuned mainly for coding" for "What
was Claude 3.7 Sonnet mainly tuned for?".

Where the first candidate follows none of the question's words so, and a candidate ranked near
the top does, in a passage that holds every name the question gives, that one answers in its
place; of several, the one whose sentence holds the most of the question's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.reading.answer_forms import promote
from service.reading.asked import Asked, asks_for_name
from service.reading.context import Candidate, named_text
from service.reading.counted import counts_kind
from service.reading.owners import names_asked
from service.reading.spans import NUMERIC
from service.reading.terms import WORD, content_terms, stem

# How far down the ranking an object of the asked verb is looked for.
_LOOK_DOWN = 30
# "What" as the object: the wh-word followed by an auxiliary, at the start of the question's
# last sentence ("What did ...", "... this week. What does ..."). After a form of "be" only in
# a passive that ends in its preposition ("What was it tuned for?"): "What is its name?" and
# "What was the main target of ...?" ask for a complement, not an object.
_WHAT_OBJECT = re.compile(
    r"(?:^|[.?!]\s+)what\s+(?:(?:does|do|did|will|would|can|could|should|has|have|had)\b"
    r"|(?:is|was|are|were)\b.*\s(?:for|with|to|on|by|from|about|of|in|into|as)\s*\?\s*$)",
    re.IGNORECASE,
)
# "Which chip is Project Digits built around?", "Which model does the tool ask for hints?":
# the wh-word's noun phrase (up to three words) as the object, the same way; only after "do"
# (not "has" nor "will": "Which state now has the highest ...?", "Which two teams will play
# ...?" ask for the subject).
_WHICH_OBJECT = re.compile(
    r"(?:^|[.?!]\s+)(?:which|what)\s+(?:[\w'\u2019-]+\s+){1,3}?"
    r"(?:(?:does|do|did)\b"
    r"|(?:is|was|are|were)\b.*\s(?:for|with|to|on|by|from|about|of|in|into|as|around|behind"
    r"|under|through)\s*\?\s*$)",
    re.IGNORECASE,
)
# An amount as the object: "How much did France pledge ...?", "How many prompts did it
# collect?", "How fast does it produce its first token?": "how" and a word of amount, then an
# auxiliary before the verb; or a passive, "How many of its picks were synthesized?", which the
# article may write actively ("synthesizing one").
_AMOUNT_OBJECT = re.compile(
    r"(?:^|[.?!]\s+)how\s+(?:much|many|fast|quickly|long|large|big|far|high)\b[^?.!]*?"
    r"\b(?:(?:does|do|did|will|would|can|could|should|has|have|had)\b"
    r"|(?:is|was|are|were)\b[^?.!]*?\w(?:ed|en)\b)",
    re.IGNORECASE,
)
# What may stand between a verb and its object: articles and possessives, adverbs in -ly and
# an amount's qualifiers, and one preposition with an article or an owner after it: "declared
# a ...", "tuned mainly for ...", "pledged about $114 billion", "based on Anthropic's ...".
_GAP_LEAD = (
    r"^\s+(?:(?:a|an|the|its|their|his|her|our|\w+ly|about|around|some|over|almost|just)\s+){0,2}"
)


def _gap(prepositions: str, after: str) -> re.Pattern[str]:
    """The gap's shape: the lead above, then one of `prepositions` with one of `after`."""
    return re.compile(rf"{_GAP_LEAD}(?:(?:{prepositions})\s+(?:(?:{after})\s+)?)?$", re.IGNORECASE)


_GAP = _gap(
    r"for|to|on|with|into|as|about|from|in|at|around|behind|under|through",
    r"a|an|the|its|their|[\w.-]+(?:'|\u2019)s",
)
# Before an amount, also the change it measures ("improved by 9 percent") and the words of
# the question that the verb acts on ("produces its first token in 0.34 seconds").
_AMOUNT_GAP = _gap(
    r"by|for|to|on|with|into|as|about|from|in|at|around|within|under|after",
    r"a|an|the|its|their|about|around|some|over|almost|just|only",
)
# A number written as a part of another ("picks one of 11 strategies"): which of the two is
# asked is parts.py's to say, not the verb's.
_PART_OF_NUMBER = re.compile(r"\s+of\s+(?:the\s+)?\d")
_PUNCTUATION = re.compile(r"[,;:()\[\]\"\u201c\u201d\u2014]")
# A plural noun's ending: "tutors", "prompts"; not "process", "focus", "bias".
_PLURAL = re.compile(r"[^su]s$")
# The verb and its gap are among the last few words before the candidate.
_MOST_WORDS = 5
_REACH = 80


def object_first(ranked: Sequence[Candidate], asked: Asked) -> list[Candidate]:
    """The ranking with the best object of the question's verb first, where the question asks
    for one and the first candidate is none; else as it is."""
    out = list(ranked)
    if not out or asks_for_name(asked.text):
        return out
    amount = asked.expected in NUMERIC
    # Asked "which chip", the object must be of the asked type and no name the question gives.
    typed = not amount and not _WHAT_OBJECT.search(asked.text)
    shape = _AMOUNT_OBJECT if amount else (_WHICH_OBJECT if typed else _WHAT_OBJECT)
    if not shape.search(asked.text):
        return out
    if amount and asked.qualifiers:
        return out  # an amount asked "per output token" or "a year": qualifiers.py's to find
    best = out[0]
    verbs = _verbs(asked)
    said = _asked_words(asked) if amount else frozenset()
    if not verbs or _follows_verb(best, verbs, said) or (amount and best.span.kind not in NUMERIC):
        return out
    # Where things are counted and the first number counts them, only a number of them may
    # take its place ("collect 40,000 prompts", not "tested on 1,000 prompts about ...").
    counting = asked.counts and bool(asked.head) and counts_kind(best, asked.head)
    objects = [
        (len(content_terms(candidate.sentence.text) & asked.terms), -place)
        for place, candidate in enumerate(out[1:_LOOK_DOWN], start=1)
        if (candidate.span.kind in NUMERIC) == amount
        and (not counting or counts_kind(candidate, asked.head))
        and not (amount and (_overlaps(candidate, best) or _owned_by_another(candidate, asked)))
        and not (
            typed and (candidate.features.get("type_fit", 0.0) < 1.0 or _named(candidate, asked))
        )
        and not (amount and _PART_OF_NUMBER.match(candidate.sentence.text, candidate.span.end))
        and _follows_verb(candidate, verbs, said)
        and names_every_focus(candidate, asked)
    ]
    if not objects:
        return out
    return promote(out, -max(objects)[1])


def _owned_by_another(candidate: Candidate, asked: Asked) -> bool:
    """Whether an amount belongs to a name the question does not give: "X Premium+, which
    costs $40 a month" is no answer to what an Nvidia H100 costs, whatever the passage names."""
    return candidate.owner is not None and not names_asked(candidate.owner, asked)


def _named(candidate: Candidate, asked: Asked) -> bool:
    """Whether the candidate is, or is inside, a name the question gives ("Project Digits")."""
    key = candidate.span.text.lower()
    return any(key in name or name in key for name in asked.focus)


def _overlaps(candidate: Candidate, best: Candidate) -> bool:
    """Whether the candidate is the first one read again: a span of its sentence that holds
    it or lies inside it ("as many as three" for "three")."""
    return (
        candidate.sentence.text == best.sentence.text
        and candidate.span.start < best.span.end
        and best.span.start < candidate.span.end
    )


def _verbs(asked: Asked) -> frozenset[str]:
    """Stems of the words that may be the question's verb: its lower-case content words that
    are no part of a name it gives and no plural. After "did" or "does" the verb is in its base
    form ("collect", "declare") or, after "was", a participle ("tuned"), so a word in -s is a
    noun: "The tutor first picks ..." does not make "first" the object of "tutors"."""
    focus = " ".join(asked.focus)
    return (
        frozenset(
            stem(word)
            for word in WORD.findall(asked.text)
            if word.islower()
            and word not in focus
            and not _PLURAL.search(word)
            and stem(word) in asked.terms
        )
        - asked.head
    )


def _asked_words(asked: Asked) -> frozenset[str]:
    """The question's words in lower case, which may stand between a verb and the amount it
    takes ("produces its first token in 0.34 seconds" for "How fast does it produce its first
    token?")."""
    return frozenset(word.lower() for word in WORD.findall(asked.text))


def _follows_verb(
    candidate: Candidate, verbs: frozenset[str], said: frozenset[str] = frozenset()
) -> bool:
    """Whether a word of `verbs` stands right before the candidate, as a verb before its
    object: nothing between them but articles, adverbs and a preposition, or, where `said`
    gives the question's words (an amount asked), those words too."""
    before = candidate.sentence.text[: candidate.span.start]
    if before and not before[-1].isspace():
        return False  # inside a word, or after a quote or a bracket
    # Nothing of another clause: "AI co-scientist, a multi-agent system" is no object of
    # "co-scientist".
    clause = _PUNCTUATION.split(before[-_REACH:])[-1]
    words = WORD.findall(clause)[-_MOST_WORDS:]
    shape = _AMOUNT_GAP if said else _GAP
    for place in range(len(words) - 1, -1, -1):
        between = [word for word in words[place + 1 :] if word.lower() not in said]
        gap = " " + " ".join(between) + " " if between else " "
        if stem(words[place].lower()) in verbs and shape.match(gap):
            return True
    return False


def names_every_focus(candidate: Candidate, asked: Asked) -> bool:
    """Whether the candidate's passage (with its title and outlet) holds every name the
    question gives (its sentence may say "it": "used it to collect 40,000 prompts")."""
    text = named_text(candidate.sentence.chunk)
    return all(name in text for name in asked.focus)
