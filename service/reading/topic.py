"""Questions that describe their answer through what several reports say of it.

"Who is the individual, reported by The Verge and TechCrunch, who faced a criminal trial and
...?" names no answer-bearing sentence: each clause is one article's account of the same person
or company, and no single sentence says them all. What those articles share is their subject:
the name of the asked type that the most retrieved articles mention. So, for a long question
that names the outlets it draws on:

1. every typed entity of the retrieved passages' sentences (the index's stored tags, else the
   tagger's) of the asked kind (a person for "who", else an organisation, place or other name),
   leaving out what the question itself or its outlets name;
2. aliases joined: a name that is the first or last words of a longer one ("Bankman-Fried" of
   "Sam Bankman-Fried", "Vikings" of "Minnesota Vikings"), whatever the tagger typed it;
3. the name that the most articles mention wins, quoted as a person's fullest form or an
   organisation's most used one, with the sentence of its first mention in each article cited.

The confidence model (`newsqa eval calibrate fit`, the "topic" map of calibration.json) reads
how widely the winner is spread over the articles and how far ahead of the runner-up it is;
below the threshold the reader abstains, as it does on questions no article answers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.reading.answer_types import AnswerType
from service.reading.asked import Asked
from service.reading.calibration import Calibration
from service.reading.citations import mention_citations
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import PROPER, Span, Tagged
from service.reading.terms import candidate_key
from service.types import Answer, RetrievalHit

# A question this long that names two outlets or more describes its answer clause by clause,
# each clause one report's; shorter ones ("Who leads X, according to TechCrunch and Wired?")
# and those that cite one outlet ("According to CNN, which company ...") are asked of one
# sentence: over 150 such quiz questions the shared subject was right 14 times, the span 67.
MIN_WORDS = 20
MIN_OUTLETS = 2
MAX_PASSAGES = 10
# What the topic confidence model reads of the winner; calibration.json holds its weights.
TOPIC_FEATURES = (
    "spread",  # share of the retrieved articles that mention it
    "articles",  # how many do, over 10
    "margin",  # its articles minus the runner-up's, over the retrieved articles
    "outlet_cover",  # share of the named outlets (among the passages) with an article naming it
    "mentions",  # log1p(all its mentions) / 4
    "dense",  # the best passage's cosine to the question
    "person",  # the question asks for a person
)
_ASKS_PERSON = re.compile(
    r"^\s*(?:who|whom)\b|\bwhich\s+(?:individual|person|player|public figure|figure|"
    r"executive|athlete|politician|official|star|celebrity)\b",
    re.IGNORECASE,
)
_EDGE = " '\"\u2018\u2019\u201c\u201d"
_POSSESSIVE = re.compile(r"['\u2019]s?$")

Tagger = Callable[[Sequence[ReadSentence]], list[Tagged | None]]


def describes_entity(question: str, outlets_named: frozenset[str]) -> bool:
    """Whether a question describes its answer through several named outlets' reports."""
    return len(outlets_named) >= MIN_OUTLETS and len(question.split()) >= MIN_WORDS


@dataclass
class Subject:
    """One name (with its aliases) and where the retrieved articles mention it."""

    forms: Counter[str] = field(default_factory=Counter)
    first: dict[str, tuple[ReadSentence, Span]] = field(default_factory=dict)  # by article
    by_form: dict[str, tuple[ReadSentence, Span]] = field(default_factory=dict)  # first of each
    kinds: Counter[AnswerType] = field(default_factory=Counter)  # as the tagger typed it
    mentions: int = 0

    def add(self, sentence: ReadSentence, span: Span, text: str) -> None:
        self.kinds[span.kind] += 1
        self.forms[text] += 1
        self.mentions += 1
        self.first.setdefault(sentence.chunk.article_id, (sentence, span))
        self.by_form.setdefault(text, (sentence, span))

    def absorb(self, other: Subject) -> None:
        self.forms.update(other.forms)
        self.mentions += other.mentions
        for article, mention in other.first.items():
            self.first.setdefault(article, mention)
        for form, mention in other.by_form.items():
            self.by_form.setdefault(form, mention)

    def name(self, person: bool) -> str:
        """A person's fullest form; an organisation's or thing's most used one."""
        if person:
            return max(self.forms, key=lambda f: (len(f.split()), self.forms[f], len(f), f))
        return max(self.forms, key=lambda f: (self.forms[f], len(f), f))


def subjects(
    asked: Asked,
    hits: Sequence[RetrievalHit],
    outlets_named: frozenset[str],
    tag: Tagger,
    *,
    use_stored: bool = True,
) -> tuple[list[tuple[str, Subject]], int]:
    """Names of the asked kind in the passages, most widely mentioned first; and how many
    articles the passages come from."""
    sentences = [
        s
        for rank, hit in enumerate(hits[:MAX_PASSAGES])
        for s in sentences_of(rank, hit.chunk, use_stored=use_stored)
    ]
    articles = len({hit.chunk.article_id for hit in hits[:MAX_PASSAGES]})
    person = asks_person(asked)
    said = f" {candidate_key(asked.text)} "
    outlet_keys = [candidate_key(o) for o in outlets_named]
    found: dict[str, Subject] = {}
    for sentence, tagged in zip(sentences, tag(sentences), strict=True):
        for span in tagged.entities if tagged is not None else ():
            if span.kind not in PROPER:
                continue
            text = _POSSESSIVE.sub("", span.text.strip(_EDGE)).strip(_EDGE)
            key = candidate_key(text)
            if not key or f" {key} " in said or any(key in o for o in outlet_keys):
                continue  # what the question already names is not its answer
            start = span.start + span.text.find(text)
            mention = Span(start, start + len(text), text, span.kind, span.from_ner)
            found.setdefault(key, Subject()).add(sentence, mention, text)
    # A small tagger types a surname alone as an organisation now and then ("Tenbrook said"):
    # aliases join across kinds, and a name's kind is what its own longest form was tagged.
    kind = {key: subject.kinds.most_common(1)[0][0] for key, subject in found.items()}
    merged = _join_aliases(found)
    ranked = sorted(
        ((key, subject) for key, subject in merged.items()
         if person == (kind[key] == AnswerType.PERSON)),
        key=lambda kv: (len(kv[1].first), kv[1].mentions, kv[0]),
        reverse=True,
    )  # fmt: skip
    return ranked, articles


def asks_person(asked: Asked) -> bool:
    return asked.expected == AnswerType.PERSON or _ASKS_PERSON.search(asked.text) is not None


def _join_aliases(found: dict[str, Subject]) -> dict[str, Subject]:
    """Each name folded into the longest name it opens or ends ("vikings" into "minnesota
    vikings"); a name inside two longer ones joins the first of them by length, then order."""
    keys = sorted(found, key=lambda k: (-len(k.split()), k))
    parent: dict[str, str] = {}
    for key in keys:
        words = key.split()
        for longer in keys:
            if longer in parent:
                continue
            other = longer.split()
            if len(other) > len(words) and (
                other[: len(words)] == words or other[-len(words) :] == words
            ):
                parent[key] = longer
                break
    merged: dict[str, Subject] = {}
    for key in keys:  # longest first: a root is in `merged` before its aliases
        root = key
        while root in parent:
            root = parent[root]
        if root == key:
            merged[key] = found[key]
        else:
            merged[root].absorb(found[key])
    return merged


def topic_features(
    ranked: Sequence[tuple[str, Subject]],
    articles: int,
    outlets_named: frozenset[str],
    hits: Sequence[RetrievalHit],
    person: bool,
) -> dict[str, float]:
    """What the confidence model reads of the winner (the first of `ranked`)."""
    best = ranked[0][1]
    runner_up = len(ranked[1][1].first) if len(ranked) > 1 else 0
    count = len(best.first)
    present = {h.chunk.source for h in hits[:MAX_PASSAGES]} & outlets_named
    covered = {sentence.chunk.source for sentence, _ in best.first.values()} & present
    dense = [h.dense_score for h in hits[:3] if h.dense_score is not None]
    return {
        "spread": count / max(1, articles),
        "articles": min(count, 10) / 10,
        "margin": (count - runner_up) / max(1, articles),
        "outlet_cover": len(covered) / len(present) if present else 0.0,
        "mentions": math.log1p(best.mentions) / 4,
        "dense": max(dense, default=0.0),
        "person": 1.0 if person else 0.0,
    }


@dataclass(frozen=True)
class TopicReading:
    """The winning name, what the confidence model reads of it, and its mentions."""

    text: str
    features: dict[str, float]
    mentions: tuple[tuple[ReadSentence, Span], ...]  # the quoted form's, then other articles'


def read_topic(
    asked: Asked,
    hits: Sequence[RetrievalHit],
    outlets_named: frozenset[str],
    tag: Tagger,
    *,
    use_stored: bool = True,
) -> TopicReading | None:
    """The subject the retrieved articles share, or None where they name none of the kind."""
    ranked, articles = subjects(asked, hits, outlets_named, tag, use_stored=use_stored)
    if not ranked:
        return None
    person = asks_person(asked)
    best = ranked[0][1]
    features = topic_features(ranked, articles, outlets_named, hits, person)
    text = best.name(person)
    quoted = best.by_form[text]  # where an article says the name as quoted
    others = [m for a, m in best.first.items() if a != quoted[0].chunk.article_id]
    return TopicReading(text, features, (quoted, *others))


def decide_topic(
    reading: TopicReading | None, calibration: Calibration, abstain_threshold: float
) -> Answer:
    """The shared subject with the sentences that name it, or an abstention."""
    if reading is None:
        return Answer(text=None, abstained=True, confidence=0.0)
    confidence = calibration.probability(reading.features, "topic")
    if confidence < abstain_threshold:
        return Answer(text=None, abstained=True, confidence=confidence)
    citations = mention_citations(reading.mentions)
    return Answer(text=reading.text, abstained=False, confidence=confidence, citations=citations)
