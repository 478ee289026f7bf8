"""Yes/no questions: a verdict (yes, no or unknown) with the sentences that decide it.

"Does the TechCrunch article suggest X, while The Verge reports Y?" makes claims; each claim is
looked up among the sentences of the retrieved passages (weighted word overlap, the outlet it
names, its polarity). The verdict model, fitted on MultiHop-RAG questions outside the reported
half (`newsqa eval calibrate fit`), turns what was found into a probability of "yes":
- how well the worst- and best-supported claims are supported, and how many claims there are;
- whether the question's wording negates or contrasts ("not", "never", "unlike", "different");
- whether the evidence negates where the claim does not, or the other way round;
- for "before"/"after" questions, whether the evidence articles' dates agree with the order.
Where no claim finds a sentence that says it, the verdict is "unknown" and the reader abstains:
a yes or a no always comes with the sentences it rests on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from service.reading.calibration import Calibration
from service.reading.citations import citation_for
from service.reading.name_runs import focus_names
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.terms import content_terms
from service.retrieval.timeframes import mentioned_days
from service.types import Answer, OutletsNamed, RetrievalHit

_AUXILIARY = r"(?:does|do|did|is|was|are|were|has|have|had|can|could|will|would|should|might|must)"
# The question opens with an auxiliary, or with a framing clause and then one:
# "Between the report ... and the report ..., was there ...?"
_YES_NO = re.compile(
    rf"^\s*(?:(?:between|after|before|following|given|considering|according|in|based|"
    rf"when|while|since|from|with|as|if)\b(?:(?!\b(?:which|what|who|whom|whose|how)\b)[^?])*?"
    rf",\s*)?{_AUXILIARY}\b",
    re.IGNORECASE,
)
# "... consistent or inconsistent?", "... agree or disagree?": a choice, answered by its words.
_CHOICE = re.compile(
    r"\b(?P<first>[\w-]+)\s+or\s+(?P<second>[\w-]+)\s*\??\s*$",
    re.IGNORECASE,
)
_CLAIM_SPLIT = re.compile(
    r",?\s+(?:while|whereas|whilst|but|unlike|compared (?:to|with)|as compared to|"
    r"in contrast to|as opposed to|and (?:does|do|did|is|was|are|were|has|have)|"
    r"with (?:the )?(?:former|latter|one|the other))\b|;",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|without|fail(?:s|ed)?|unrelated|unnecessary|"
    r"insignificant|ignor(?:e|es|ed|ing)|lack(?:s|ed|ing)?|n't)\b",
    re.IGNORECASE,
)
CONTRAST = re.compile(
    r"\b(?:inconsisten\w*|discrepan\w*|different|differ\w*|contrast\w*|unlike|chang\w*|"
    r"shift\w*|decreas\w*|worse\w*|less)\b",
    re.IGNORECASE,
)
AGREEMENT = re.compile(
    r"\b(?:consisten\w*|same|similar\w*|identical\w*|agree\w*|both|align\w*|also)\b",
    re.IGNORECASE,
)
_ORDER = re.compile(r"\b(before|after|prior to|earlier than|later than|following)\b", re.I)
# A claim must share this much (idf-weighted) of its words with a sentence to count as found:
# chosen on MultiHop-RAG's tuning half, where 0.05 answers 116 of its 138 yes/no questions
# (78 right) against 0.1's 99 (64 right), and still abstains on 48 of the 56 whose gold
# articles were removed (51 at 0.1).
FOUND = 0.05
# ... and the passages must mention at least this share of the things the question names.
NAMED = 0.5
# What the verdict model reads; calibration.json holds its weights.
VERDICT_FEATURES = (
    "support_min",
    "support_mean",
    "claims",
    "missing",
    "named",
    "question_negation",
    "question_contrast",
    "question_agreement",
    "evidence_negation",
    "polarity_mismatch",
    "order_agrees",
    "order_disagrees",
    "dense",
)


@dataclass(frozen=True)
class YesNoQuestion:
    """A yes/no question cut into the claims it makes; `choice` where it names two answers."""

    text: str
    claims: tuple[str, ...]
    choice: tuple[str, str] | None = None


@dataclass
class Evidence:
    """The best sentence for each claim, and what the verdict model reads of them."""

    claims: list[str] = field(default_factory=list)  # the claims a sentence was found for
    sentences: list[ReadSentence] = field(default_factory=list)
    support: list[float] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    missing: int = 0  # claims whose outlet or day no passage comes from
    named: float = 1.0  # share of the question's named things that the passages mention

    @property
    def found(self) -> bool:
        """Every claim has a sentence from the outlet and days it names, the passages name what
        the question names, and some sentence says enough of a claim."""
        return (
            self.missing == 0
            and self.named >= NAMED
            and bool(self.support)
            and max(self.support) >= FOUND
        )


def yes_no_question(question: str) -> YesNoQuestion | None:
    """The question as claims where it asks yes or no (or one of two named answers)."""
    if not _YES_NO.search(question):
        return None
    body = question.strip().rstrip("?")
    choice = None
    match = _CHOICE.search(question)
    if match and _is_choice(match.group("first"), match.group("second")):
        choice = (match.group("first").strip(), match.group("second").strip())
        body = body[: match.start()].rstrip(" ,")
    claims = [c.strip(" ,") for c in _CLAIM_SPLIT.split(body) if len(c.split()) >= 3]
    return YesNoQuestion(question, tuple(claims) or (body,), choice)


def _is_choice(first: str, second: str) -> bool:
    """Two answers the question names ("consistent or inconsistent"), not a list of things."""
    a, b = first.lower(), second.lower()
    return (
        (b.startswith(("in", "un", "dis", "non")) and b.endswith(a[-4:]))
        or a in b
        or b in a
        or bool(CONTRAST.search(first) or CONTRAST.search(second))
    )


def gather(
    question: YesNoQuestion,
    hits: Sequence[RetrievalHit],
    *,
    outlets: OutletsNamed | None = None,
    max_passages: int = 10,
) -> Evidence:
    """The best-supported sentence for each claim among the passages' sentences.

    A claim that names an outlet ("the TechCrunch article suggests ...") is looked up in that
    outlet's articles only, and one that names a day in articles published within a week of
    it: where the passages hold no such article, the claim has no evidence at all.
    """
    sentences = [
        s
        for rank, hit in enumerate(hits[:max_passages])
        for s in sentences_of(rank, hit.chunk, use_stored=False)
    ]
    evidence = Evidence()
    if not sentences:
        return evidence
    bags = [content_terms(s.text) for s in sentences]
    n = len(sentences)
    missing = 0
    for claim in question.claims:
        named = outlets(claim) if outlets is not None else frozenset()
        days = mentioned_days(claim)
        terms = sorted(content_terms(claim))  # a fixed order: float sums the same every run
        weights = {t: math.log((n + 1) / (0.5 + sum(t in b for b in bags))) + 1.0 for t in terms}
        total = sum(weights.values()) or 1.0
        best, best_score = None, 0.0
        for sentence, bag in zip(sentences, bags, strict=True):
            if named and sentence.chunk.source not in named:
                continue
            if days and not _near_any(sentence.chunk.published_at, days):
                continue
            score = sum(w for t, w in weights.items() if t in bag) / total
            if best is None or score > best_score:
                best, best_score = sentence, score
        if best is None:
            missing += 1
            continue
        evidence.claims.append(claim)
        evidence.sentences.append(best)
        evidence.support.append(min(1.0, best_score))
    evidence.missing = missing
    evidence.named = _named_coverage(question.text, hits[:max_passages], outlets)
    if evidence.sentences:
        evidence.features = _features(question, evidence, hits)
    return evidence


def _named_coverage(
    question: str, hits: Sequence[RetrievalHit], outlets: OutletsNamed | None
) -> float:
    """Share of the question's named things (not its outlets) that the passages mention."""
    sources = [s.lower() for s in outlets(question)] if outlets is not None else []
    names = [n for n in focus_names(question) if not any(n in source for source in sources)]
    if not names:
        return 1.0
    words = content_terms(" ".join(hit.chunk.text for hit in hits))
    found = 0.0
    for name in names:
        # The name's longest word (its most distinctive: "Kestrel" of "Kestrel Labs") and
        # half of its words at least.
        terms = content_terms(name)
        longest = max(sorted(terms), key=len, default="")  # sorted: ties break the same way
        found += longest in words and len(terms & words) / len(terms) >= 0.5
    return found / len(names)


def _near_any(published: date | None, days: Sequence[date], within: int = 7) -> bool:
    return published is not None and any(abs((published - d).days) <= within for d in days)


def _features(
    question: YesNoQuestion, evidence: Evidence, hits: Sequence[RetrievalHit]
) -> dict[str, float]:
    text = question.text
    claim_negated = [bool(NEGATION.search(c)) for c in evidence.claims]
    evidence_negated = [bool(NEGATION.search(s.text)) for s in evidence.sentences]
    mismatch = sum(a != b for a, b in zip(claim_negated, evidence_negated, strict=True))
    order = _order_agreement(text, evidence.sentences)
    dense = [h.dense_score for h in hits[:3] if h.dense_score is not None]
    return {
        "support_min": min(evidence.support),
        "support_mean": sum(evidence.support) / len(evidence.support),
        "claims": min(len(question.claims), 4) / 4,
        "missing": evidence.missing / len(question.claims),
        "named": evidence.named,
        "question_negation": float(any(claim_negated)),
        "question_contrast": float(bool(CONTRAST.search(text))),
        "question_agreement": float(bool(AGREEMENT.search(text))),
        "evidence_negation": sum(evidence_negated) / len(evidence_negated),
        "polarity_mismatch": mismatch / len(claim_negated),
        "order_agrees": float(order is True),
        "order_disagrees": float(order is False),
        "dense": max(dense, default=0.0),
    }


def _order_agreement(question: str, sentences: Sequence[ReadSentence]) -> bool | None:
    """For "did A ... before B ...": whether the first claim's article predates the last's."""
    match = _ORDER.search(question)
    dates = [s.chunk.published_at for s in sentences]
    if match is None or len(dates) < 2 or dates[0] is None or dates[-1] is None:
        return None
    if dates[0] == dates[-1]:
        return None
    earlier = dates[0] < dates[-1]
    word = match.group(1).lower()
    says_earlier = word in ("before", "prior to", "earlier than")
    return earlier == says_earlier


def decide(
    question: YesNoQuestion,
    hits: Sequence[RetrievalHit],
    calibration: Calibration,
    abstain_threshold: float,
    outlets: OutletsNamed | None = None,
) -> Answer:
    """Yes or no with the evidence sentences as citations; unknown (an abstention) where the
    passages do not speak to the question or the verdict is not confident enough."""
    evidence = gather(question, hits, outlets=outlets)
    if not evidence.found:
        return Answer(text=None, abstained=True, confidence=0.0, verdict="unknown")
    p_yes = calibration.verdict.p_yes(evidence.features)
    says_yes = p_yes >= 0.5
    values = dict(evidence.features, p=max(p_yes, 1.0 - p_yes))
    confidence = calibration.probability(values, "verdict")
    if confidence < abstain_threshold:
        return Answer(text=None, abstained=True, confidence=confidence, verdict="unknown")
    if question.choice is not None:
        text = (question.choice[0] if says_yes else question.choice[1]).capitalize()
    else:
        text = "Yes" if says_yes else "No"
    seen: dict[tuple[str, int], ReadSentence] = {}
    for sentence in evidence.sentences:
        seen.setdefault((sentence.chunk.id, sentence.start), sentence)
    citations = tuple(citation_for(s.chunk, s.start, s.end, s.start, s.end) for s in seen.values())
    return Answer(
        text=text,
        abstained=False,
        confidence=confidence,
        citations=citations,
        verdict="yes" if says_yes else "no",
    )
