"""The features that tell a right candidate from a wrong one: type fit, roles, closeness."""

from __future__ import annotations

import re
from bisect import bisect_left

from indexer.text.stopwords import READER_STOPWORDS
from service.reading.answer_types import AnswerType
from service.reading.spans import NUMERIC, PROPER, Span
from service.reading.terms import WORD, question_overlap, stem


def type_fit(expected: AnswerType, kind: AnswerType, *, from_ner: bool) -> float:
    """How well a candidate's type fits the question's, 0..1 (0: never the answer)."""
    if kind == expected:
        return 1.0
    if kind == AnswerType.NATIONALITY:
        return 0.3 if expected in (AnswerType.NAME, AnswerType.THING) else 0.1
    if expected == AnswerType.MONEY and kind == AnswerType.NUMBER:
        return 0.5
    if expected == AnswerType.NUMBER and kind in NUMERIC:
        return 0.7
    if expected == AnswerType.THING:
        return 0.6 if kind in PROPER else 0.3
    if expected == AnswerType.NAME and kind == AnswerType.THING:
        return 0.5
    if expected in PROPER and kind in PROPER:
        # A pattern-found name is untyped: it may well be the person or company asked for.
        if expected == AnswerType.NAME or kind == AnswerType.NAME:
            return 0.6 if from_ner else 0.7
        return 0.25
    # A common noun answers many questions typed as names ("which group": autoworkers), and a
    # holiday is tagged as a date: unlikely, not impossible. The ranker weighs them.
    if expected in PROPER and kind == AnswerType.THING:
        return 0.15
    if expected in PROPER and kind == AnswerType.DATE:
        return 0.05
    return 0.0


# Role patterns that tie a name to a question's role word: "X, the head of Y", "led by X".
_ROLE_WORDS = (
    r"(?:chief executive|chief executive officer|ceo|founder|co-founder|head|leader|president|"
    r"chair(?:man|woman|person)?|director|boss|owner|spokes(?:man|woman|person)|minister|"
    r"secretary|governor|senator|mayor|chief)"
)
_ROLE_AFTER = re.compile(
    rf"^\s*,?\s*(?:(?:who\s+)?(?:is|was|has been|became|remains)\s+)?(?:the|a|an|its)?\s*"
    rf"(?:\w+\s+)?{_ROLE_WORDS}\b|^\s+(?:now\s+)?(?:leads|led|runs|ran|heads|headed|founded|"
    r"co-founded|chairs|oversees|helms)\b"
)
_ROLE_BEFORE = re.compile(
    rf"(?:{_ROLE_WORDS}|led by|run by|founded by|headed by|leadership of|helmed by)"
    r"(?:\s+of\s+[\w'\u2019 .&-]{1,40})?[,:]?\s*$",
    re.IGNORECASE,
)


_ROLE_QUESTION = re.compile(
    rf"\b(?:{_ROLE_WORDS}|leads?|led|runs?|ran|heads?|headed|helm(?:s|ed)|chair(?:s|ed)|"
    r"oversaw|oversees|founded|in charge|at the helm)\b",
    re.IGNORECASE,
)


def asks_about_role(question: str) -> bool:
    """Whether the question asks who holds a role ("Who leads X?", "X's chief executive")."""
    return _ROLE_QUESTION.search(question) is not None


def role_bonus(sentence: str, span: Span) -> float:
    """1.0 where the sentence names the span in a role, as in appositions and "led by X"."""
    after = sentence[span.end : span.end + 60].lower()
    before = sentence[max(0, span.start - 60) : span.start]
    if _ROLE_AFTER.search(after) or _ROLE_BEFORE.search(before):
        return 1.0
    return 0.0


# The maker or owner of a named thing: "Anthropic's Claude 3.5 Sonnet", "Alibaba has released
# QwQ-32B", "Microsoft on Wednesday unveiled Phi-4".
_MAKES_NAMED = re.compile(
    r"^(?:['\u2019]s\s+|\s+(?:has\s+|have\s+|had\s+|also\s+|on\s+\w+\s+|this\s+week\s+)?"
    r"(?:released|launched|unveiled|introduced|announced|published|built|developed|made|"
    r"open-sourced|debuted|shipped|trained|updated|rolled\s+out)\s+(?:(?:a|an|the|its|their)\s+)?"
    r"(?:[a-z][\w-]*\s+){0,2})[A-Z0-9]"
)


def makes_a_named_thing(sentence: str, span: Span) -> bool:
    """Whether the sentence gives the span as the maker or owner of a name that follows it."""
    return _MAKES_NAMED.match(sentence[span.end : span.end + 80]) is not None


def proximity(
    sentence: str, span: Span, question_terms: frozenset[str], words: SentenceWords | None = None
) -> float:
    """exp-decay of the word distance from the span to the nearest question term, 0..1."""
    words = words or SentenceWords(sentence)
    first, stop = words.inside(span)  # the span's words are [first, stop)
    last = first + max(0, stop - first - 1)
    best = None
    for i in words.positions(question_terms):
        if first <= i < stop:
            continue
        gap = first - i - 1 if i < first else i - last - 1
        best = gap if best is None else min(best, gap)
    return 0.0 if best is None else float(2.0 ** (-max(0, best) / 4))


class SentenceWords:
    """A sentence's words with their offsets and stems, computed once for all its candidates
    (a sentence has ~60 of them: lookups by bisection, term positions once per question)."""

    def __init__(self, sentence: str) -> None:
        self.text = sentence
        self.spans = [(m.start(), m.end()) for m in WORD.finditer(sentence)]
        self.starts = [s for s, _ in self.spans]
        self.stems = [stem(sentence[s:e].lower()) for s, e in self.spans]
        self._positions: dict[frozenset[str], list[int]] = {}

    def inside(self, span: Span) -> tuple[int, int]:
        """The indices [first, stop) of the words that start inside the span (first: where
        the span would start, if none does)."""
        return bisect_left(self.starts, span.start), bisect_left(self.starts, span.end)

    def positions(self, terms: frozenset[str]) -> list[int]:
        """Indices of the words whose stem is one of `terms`."""
        found = self._positions.get(terms)
        if found is None:
            found = self._positions[terms] = [i for i, s in enumerate(self.stems) if s in terms]
        return found

    def around(self, span: Span, width: int) -> tuple[list[str], list[str]]:
        """Stems of the `width` words before and after a span (outside it)."""
        first, stop = self.inside(span)
        return self.stems[max(0, first - width) : first], self.stems[stop : stop + width]


def near_terms(words: SentenceWords, span: Span, terms: frozenset[str], width: int = 6) -> float:
    """Share of the question's content words within `width` words of the span."""
    if not terms:
        return 0.0
    before, after = words.around(span, width)
    return len(terms & {*before, *after}) / len(terms)


def head_near(words: SentenceWords, span: Span, head: frozenset[str], width: int = 3) -> float:
    """1.0 where a word of the asked noun phrase sits next to the span: "the automaker Toyota",
    "77 Christmas trees"; the span's own words do not count."""
    if not head:
        return 0.0
    before, after = words.around(span, width)
    return 1.0 if head & {*before, *after} else 0.0


def focus_share(text_lower: str, focus: tuple[str, ...]) -> float:
    """Share of the question's named entities that a text mentions (1.0 where it names none)."""
    if not focus:
        return 1.0
    return sum(name in text_lower for name in focus) / len(focus)


# A sentence that opens by referring back ("The company, led by ...", "It said ...", "Its chief
# ...") is about what the sentence before it named.
_REFERS_BACK = re.compile(
    r"^\W*(?:(?:the|this|that) (?:[\w-]+ ){0,2}(?:company|firm|startup|group|lab|maker|agency|"
    r"organi[sz]ation|developer|team|platform|app|service|model|system|tool|business|deal|"
    r"government|country|city|state|project|programme|program|study|report|agent|chip|robot|"
    r"bill|law|method|technique|approach|dataset|benchmark|version|product|device|paper|"
    r"researchers|authors)\b|"
    r"it|its|he|she|his|her|they|their)\b",
    re.IGNORECASE,
)
# How many sentences back a chain of references may reach: "X has released Y. The open model
# has ... Its knowledge runs to ..." is still about Y.
_ANTECEDENT_HOPS = 3


def missing_share(text_lower: str, words: tuple[str, ...]) -> float:
    """Share of `words` that `text_lower` does not hold (0.0 where there are none)."""
    if not words:
        return 0.0
    return sum(word not in text_lower for word in words) / len(words)


def focus_with_antecedent(sentence: str, before: str, focus: tuple[str, ...]) -> float:
    """focus_share of a sentence, or of the one before it (`before`: the passage's text up to
    the sentence) where the sentence refers back to it and names less of the focus itself, and
    so on back along a chain of sentences that each refer back."""
    share = focus_share(sentence.lower(), focus)
    text = sentence
    for _ in range(_ANTECEDENT_HOPS):
        if share >= 1.0 or not _REFERS_BACK.match(text) or not before.strip():
            break
        before, text = _split_previous(before)
        share = max(share, focus_share(text.lower(), focus))
    return share


def _split_previous(before: str) -> tuple[str, str]:
    """The text before the last sentence of `before`, and that sentence."""
    text = before.rstrip()
    cut = max(text.rfind(". "), text.rfind("\n"))
    return text[: cut + 1], text[cut + 1 :].lstrip(". \n")


def repeated_words(
    span: Span, question_words: frozenset[str], head: frozenset[str], question: str = ""
) -> tuple[float, float]:
    """The share of the span's words the question already says, and 1.0 where the span is a
    name holding the noun asked about ("University of Freiburg" for "Which university ...?"):
    answers to "which X" often name their kind, so only the question's other words count.
    An amount's number counts as said only where the question writes that number whole: "$3"
    is not the "3" of "Claude 3.7 Sonnet"."""
    overlap = question_overlap(span.text, question_words)
    if overlap >= 1.0 and span.kind in NUMERIC and question:
        # Only where the amount would count as said: the ranker was fitted on the word-wise
        # share, which also counts the "2" of "2.0" in "74.2 percent" (a third, not all).
        overlap = _amount_overlap(span.text, question_words, question)
    if not (0.0 < overlap < 1.0 and span.kind in PROPER and head):
        return overlap, 0.0
    without_kind = question_overlap(span.text, question_words - head)
    return without_kind, 1.0 if without_kind < overlap else 0.0


# An amount's words: its numbers whole ("1.10", "2,243"), then its other words.
_AMOUNT_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d][\w'\u2019-]*")


def _amount_overlap(span_text: str, question_words: frozenset[str], question: str) -> float:
    """question_overlap for an amount, its numbers compared whole with the question's."""
    words = _AMOUNT_WORD.findall(span_text.lower())
    content = [w for w in words if w not in READER_STOPWORDS] or words
    if not content:
        return 0.0
    said = [
        _says_number(question, w) if w[0].isdigit() else stem(w) in question_words for w in content
    ]
    return sum(said) / len(content)


def _says_number(question: str, number: str) -> bool:
    """Whether the question writes `number` as a whole number, not as part of a longer one."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", question) is not None


def capitalised(span_text: str) -> float:
    """Share of the span's words that start with a capital letter or a digit."""
    words = span_text.split()
    return sum(w[:1].isupper() or w[:1].isdigit() for w in words) / max(1, len(words))


_QUOTES = "\"\u201c\u201d\u2018\u2019'"


def quoted(sentence: str, span: Span) -> float:
    """1.0 where the span sits inside quotation marks."""
    before = sentence[span.start - 1 : span.start] if span.start else ""
    after = sentence[span.end : span.end + 1]
    return 1.0 if before and after and before in _QUOTES and after in _QUOTES else 0.0
