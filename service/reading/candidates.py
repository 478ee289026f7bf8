"""Every span of a sentence that could be the answer, beyond the tagger's entities.

The tagger and the patterns (spans.py) find whole names, amounts and noun phrases. Answers are
often a part or a join of those: "10,000" of "more than 10,000", "Twitter" of "Twitter users",
"human error" of "tragic human error", "Croatia and Morocco"; and names of things come in shapes
a small NER model misses (named.py: "Llama 3.1 70B", "iPhone", a name introduced by "called", an
acronym's expansion). This module adds those as candidates, each marked with how it was made
(`Span.origin`), and drops what cannot be an answer: a number inside a name ("the 4 of GPT-4o",
"the 7 of Mistral 7B", "7B" of "Qwen2.5-Omni 7B") is never a count, a score or a price.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from service.reading.answer_types import AnswerType
from service.reading.named import (
    GLUE,
    LINKS,
    OPENER,
    SIZE,
    alnum,
    named_things,
    unversioned_names,
    versioned_ranges,
)
from service.reading.rarity import word_rarity
from service.reading.spans import (
    NUMERIC,
    PROPER,
    UNITS,
    Span,
    Tagged,
    merge_spans,
    rule_spans,
)

# "more than 10,000", "nearly 1.6 million": the quiz answer is the number.
_QUALIFIER = re.compile(
    r"^(?:more than|less than|fewer than|over|under|nearly|almost|about|around|roughly|"
    r"approximately|some|at least|at most|up to|just over|just under|as many as|as much as|"
    r"an estimated|only|just|a record|a total of|upwards of|close to)\s+",
    re.IGNORECASE,
)
_NAME_JOIN = re.compile(r"\s*,?\s*(?:and|&)\s+(?:(?:a|an|the)\s+)?")
# Units and counted things after a number: "80 million pounds" -> "80 million".
_TRAILING_WORD = re.compile(r"\s+[A-Za-z][A-Za-z-]*$")
_SCALES = frozenset(
    ["hundred", "thousand", "million", "billion", "trillion", "m", "bn", "k", "percent"]
)
_MONTH = (
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_PIECES = (
    re.compile(rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"),
    re.compile(_MONTH),
    re.compile(r"\b(?:1[89]|20)\d\d\b"),
)
_AGE_OR_DURATION = re.compile(
    r"\b(?:aged?\s+(?P<age>\d{1,3})\b|(?P<count>\d{1,3}(?:,\d{3})*(?:\.\d+)?"
    r"(?:\s(?:thousand|million|billion))?)(?=[\s-]+(?:years?|months?|weeks?|days?|hours?|"
    r"minutes?|(?:milli)?seconds?)\b))"
)
# Capitalised title words before a name, or lower-case ones after a capital: "First lady".
_TITLE_BEFORE = re.compile(
    r"(?:\b[A-Z][\w.'\u2019-]*\s+(?:[A-Z][\w.'\u2019-]*\s+|(?:lady|minister|secretary|"
    r"president|general|justice|judge|senator|governor|mayor|chief|officer|director)\s+){0,3})$"
)
_ARTICLE = (" a", " an", " the")
# Adverbs a noun phrase of the tagger may open with: "only sexual content".
_FOCUS_WORD = re.compile(r"(?:only|just|even|mostly|mainly|largely|chiefly|also)\s+")
# Between the names of a list: a comma, or the "and" that ends it (`_NAME_JOIN`).
_LIST_SEPARATOR = re.compile(rf",\s*|(?P<last>{_NAME_JOIN.pattern})")
MAX_PART_WORDS = 5  # longer names are not split into parts
# "Dungeons & Dragons", "Johnson & Johnson": a capitalised word on each side of "&".
_AFTER_AMPERSAND = re.compile(r"[A-Z][\w.-]*\s*&\s*$")
_BEFORE_AMPERSAND = re.compile(r"\s*&\s*[A-Z]")


def candidate_spans(
    sentence: str, tagged: Tagged | None, acronyms: Sequence[str] = (), *, lists: bool = False
) -> list[Span]:
    """Every candidate of one sentence: tagged and pattern spans, their parts and joins, and
    with `lists` (the question asks for several things) whole lists of names."""
    versioned = versioned_ranges(sentence)
    base = merge_spans(sentence, tagged, rule_spans(sentence))
    base = [
        _without_focus_word(_without_article(_without_possessive(_whole_words(sentence, s))))
        for s in base
    ]
    extra = list(named_things(sentence, versioned, acronyms))
    spans: dict[tuple[int, int], Span] = {}
    for span in base:
        if (span.kind in NUMERIC or SIZE.fullmatch(span.text)) and _inside(span, versioned):
            continue  # the digits of a name, or its size: "7B" of "Qwen2.5-Omni 7B"
        if _tail_of(span, versioned):
            continue  # the words after a name's version: "Sonnet" of "Claude 3.5 Sonnet"
        spans.setdefault((span.start, span.end), span)
    for span in extra:
        known = spans.get((span.start, span.end))
        if known is not None:  # the tagger's type, and the knowledge that it is a name
            # ... unless the tagger took a versioned thing for a person or a place: a small
            # NER model reads "Claude 3.5 Sonnet" as either, and a version says it is a thing.
            kind = known.kind
            if span.origin == "versioned" and kind in (AnswerType.PERSON, AnswerType.PLACE):
                kind = AnswerType.NAME
            span = Span(known.start, known.end, known.text, kind, known.from_ner, span.origin)
        spans[(span.start, span.end)] = span
    for span in list(spans.values()):
        for part in _parts(sentence, span):
            spans.setdefault((part.start, part.end), part)
    joins = list(_joins(sentence, list(spans.values())))
    if lists:
        joins += _lists(sentence, list(spans.values()))
    for join in joins:
        spans.setdefault((join.start, join.end), join)
    unversioned = unversioned_names(sentence)
    return sorted(
        (
            s
            for s in spans.values()
            if (s.start, s.end) not in unversioned and not _cut_at_ampersand(sentence, s)
        ),
        key=lambda s: (s.start, -s.end),
    )


# A hyphen that makes a name into a modifier ends the name: "Hangzhou-based", "Google-backed",
# "Beijing-born", "state-run" say where or whose, and the answer is the name before them.
_MODIFIER_SUFFIX = re.compile(r"-(?:[a-z]+ed|born|run|made|built|like|style|era|wide)\b")


def _whole_words(sentence: str, span: Span) -> Span:
    """A span grown to whole hyphenated words: NER cuts "Chick" out of "Chick-fil-A"."""
    start, end = span.start, span.end
    while start > 0 and (
        sentence[start - 1].isalnum()
        or (sentence[start - 1] in GLUE and alnum(sentence, start - 2))
    ):
        start -= 1
    while end < len(sentence) and (
        sentence[end].isalnum()
        or (
            sentence[end] in GLUE
            and alnum(sentence, end + 1)
            and not _MODIFIER_SUFFIX.match(sentence, end)
        )
    ):
        end += 1
    suffix = _MODIFIER_SUFFIX.search(sentence, start, end)
    if suffix is not None and suffix.end() == end and suffix.start() > start:
        end = suffix.start()  # tagged with its modifier: "Hangzhou-based" is "Hangzhou"
    if (start, end) == (span.start, span.end):
        return span
    kind, origin = span.kind, span.origin
    if kind in NUMERIC and start == span.start:
        # A number made a modifier by a hyphen: "a 3.8 billion-parameter version" is 3.8
        # billion; with its unit it stays a measure ("a 4-terabyte SSD", "80-millisecond").
        modifier = _HYPHENATED_WORD.fullmatch(sentence, span.end, end)
        if modifier is not None:
            if modifier.group(1) in UNITS:
                return Span(start, end, sentence[start:end], kind, span.from_ner, origin)
            return span
    # Digits glued to letters are a name ("GPT-4o", "70B", "5G"), never a count or a price,
    # nor a date: the tagger reads the size of "Qwen2.5-32B" as one.
    if kind in NUMERIC or (kind == AnswerType.DATE and SIZE.search(span.text)):
        kind, origin = AnswerType.NAME, "versioned"
    return Span(start, end, sentence[start:end], kind, span.from_ner, origin)


_HYPHENATED_WORD = re.compile(r"-([a-z]+)(?:-[a-z]+)*")


def _without_possessive(span: Span) -> Span:
    """A name without the possessive the tagger kept: "Tony Hawk's" is "Tony Hawk"."""
    if span.kind not in PROPER or not span.text.endswith(("'s", "\u2019s")) or len(span.text) < 4:
        return span
    return Span(span.start, span.end - 2, span.text[:-2], span.kind, span.from_ner, span.origin)


def _without_article(span: Span) -> Span:
    """A name without the lower-case "the" the tagger kept: "the University of Freiburg" is
    "University of Freiburg" (a capital "The" may be the name's own: "The Batch")."""
    if span.kind not in PROPER or not span.text.startswith("the ") or len(span.text) < 6:
        return span
    rest = span.text[4:]
    if not rest[:1].isupper():
        return span
    return Span(span.start + 4, span.end, rest, span.kind, span.from_ner, span.origin)


def _without_focus_word(span: Span) -> Span:
    """A common-noun phrase without the adverb the tagger took in at its front: "only sexual
    content" is "sexual content" ("only" says how much of it, not what it is)."""
    found = _FOCUS_WORD.match(span.text)
    if span.kind != AnswerType.THING or found is None or found.end() == len(span.text):
        return span
    cut = found.end()
    return Span(span.start + cut, span.end, span.text[cut:], span.kind, span.from_ner, span.origin)


def _cut_at_ampersand(sentence: str, span: Span) -> bool:
    """Whether the span is one side of a name that "&" joins: "Dragons games" and "Dungeons"
    of "Dungeons & Dragons games" (the name whole is a candidate of its own)."""
    return bool(
        _AFTER_AMPERSAND.search(sentence[: span.start])
        or _BEFORE_AMPERSAND.match(sentence, span.end)
    )


def _tail_of(span: Span, ranges: Iterable[tuple[int, int]]) -> bool:
    """Whether the span lies inside one of the ranges and begins after its start."""
    return any(start < span.start and span.end <= end for start, end in ranges)


def _inside(span: Span, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(
        start <= span.start and span.end <= end and (start, end) != (span.start, span.end)
        for start, end in ranges
    )


def _parts(sentence: str, span: Span) -> Iterable[Span]:
    """A number without its qualifier or unit; a date's month or year; a name's words with or
    without a title before them; the end of a noun phrase."""
    if span.kind in NUMERIC:
        yield from _number_parts(sentence, span)
        return
    if span.kind == AnswerType.DATE:
        yield from _date_parts(sentence, span)
        return
    if span.kind in PROPER:
        yield from _titled(sentence, span)
    words = list(re.finditer(r"\S+", span.text))
    if not 2 <= len(words) <= MAX_PART_WORDS or span.kind not in (*PROPER, AnswerType.THING):
        return
    proper = span.kind in PROPER and span.text[:1].isupper()
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            if (i, j) == (0, len(words)) or (i != 0 and j != len(words)):
                continue  # only the ends of a name; a noun phrase keeps its head noun
            if not proper and j != len(words):
                continue
            first, last = words[i].group(), words[j - 1].group()
            if first.lower() in LINKS or last.lower().strip(",.") in LINKS:
                continue
            if proper and not (first[0].isupper() and (last[0].isupper() or last[0].isdigit())):
                continue  # a name's part starts and ends as a name does: not "DGX operating"
            if i > 0 and span.kind == AnswerType.ORG and _common(words[i:j]):
                continue  # "Administration" of "Food and Drug Administration": a kind, no name
            start = span.start + words[i].start()
            end = span.start + words[j - 1].end()
            text = sentence[start:end].rstrip(",.;:")
            if text:
                yield Span(start, start + len(text), text, span.kind, span.from_ner, "part")


# Under this rarity, a word is common English (Zipf above ~4.4: "administration", "club").
_COMMON = 0.45


def _common(words: Sequence[re.Match[str]]) -> bool:
    """Whether every word is a common English one: the end of a name that says only its kind
    ("Drug Administration", "Club"), not a surname or a name of its own ("Sonnet")."""
    return all(word_rarity(w.group().lower().strip(",.;:")) < _COMMON for w in words)


def _number_parts(sentence: str, span: Span) -> Iterable[Span]:
    start, end = span.start, span.end
    match = _QUALIFIER.match(span.text)
    if match:
        start = span.start + match.end()
        yield Span(start, end, sentence[start:end], span.kind, span.from_ner, "qualifier")
    unit = _TRAILING_WORD.search(sentence[start:end])
    if unit and unit.start() > 0 and unit.group().strip().lower() not in _SCALES:
        cut = start + unit.start()
        yield Span(start, cut, sentence[start:cut], span.kind, span.from_ner, "part")


def _date_parts(sentence: str, span: Span) -> Iterable[Span]:
    """A date's month or year; an age's or a duration's number ("119" of "age 119", "10" of
    "10 years"), which answers "how old" and "how long" where the tagger typed it a date."""
    for number in _AGE_OR_DURATION.finditer(span.text):
        group = "age" if number.group("age") else "count"
        start, end = span.start + number.start(group), span.start + number.end(group)
        yield Span(start, end, sentence[start:end], AnswerType.NUMBER, span.from_ner, "part")
    for pattern in _DATE_PIECES:
        piece = pattern.search(span.text)
        if piece and piece.span() != (0, len(span.text)):
            start, end = span.start + piece.start(), span.start + piece.end()
            yield Span(start, end, sentence[start:end], span.kind, span.from_ner, "part")


def _titled(sentence: str, span: Span) -> Iterable[Span]:
    """The name with the capitalised title before it: "Treasury Secretary Janet Yellen",
    "Former Vice President Mike Pence", "Typhoon Doksuri" (quizzes answer with either)."""
    before = sentence[max(0, span.start - 60) : span.start]
    match = _TITLE_BEFORE.search(before)
    if match and match.group().strip():
        opener = OPENER.match(match.group())
        start = span.start - len(before) + match.start() + (opener.end() if opener else 0)
        if start == span.start:
            return  # only an opener before it: "With Claude", no title
        text = sentence[start : span.end]
        yield Span(start, span.end, text, span.kind, span.from_ner, "titled")


def _joinable(spans: list[Span]) -> list[Span]:
    """The spans a join or a list may hold (names and things as found, not parts of them), by
    start, the longest first where two start together."""
    kinds = (*PROPER, AnswerType.THING)
    return sorted(
        (s for s in spans if s.kind in kinds and s.origin in ("", "opener")),
        key=lambda s: (s.start, -s.end),
    )


def _joins(sentence: str, spans: list[Span]) -> Iterable[Span]:
    """Two things of one kind joined by "and": "Croatia and Morocco", "a snake and a hawk";
    a place and the place it is in: "Montgomery, Alabama"."""
    ordered = _joinable(spans)
    for left in ordered:
        for right in ordered:
            if right.start <= left.end or right.start - left.end > 9 or left.kind != right.kind:
                continue
            between = sentence[left.end : right.start]
            comma_place = left.kind == AnswerType.PLACE and between == ", "
            joined = _NAME_JOIN.fullmatch(between)
            if not comma_place and not joined:
                continue
            if joined and left.kind != AnswerType.THING and between.rstrip().endswith(_ARTICLE):
                continue  # "Muse Spark and the National Institute": two things, not one name
            start = left.start
            if left.kind == AnswerType.THING and sentence[:start].endswith(("a ", "an ")):
                start = (
                    sentence.rindex(" ", 0, start - 1) + 1 if " " in sentence[: start - 1] else 0
                )
            text = sentence[start : right.end]
            yield Span(start, right.end, text, left.kind, left.from_ner, "join")


def _lists(sentence: str, spans: list[Span]) -> list[Span]:
    """Names listed up to an "and": "Chad, Laos, Peru and Fiji", "the Tessaline Rovers and the
    Oslo Harbour Club" (which `_joins` leaves apart: outside a list, "X and the Y" is more often
    two things than one answer)."""
    ordered = _joinable(spans)
    found = []
    for place, first in enumerate(ordered):
        last, ended = first, False
        for after in ordered[place + 1 :]:
            if after.start < last.end:
                continue  # a span inside or across the last one
            separator = _LIST_SEPARATOR.fullmatch(sentence[last.end : after.start])
            # The tagger often types the names of one list apart (one team an organisation,
            # the next a place): any two names may share a list.
            same_kind = after.kind == first.kind or (after.kind in PROPER and first.kind in PROPER)
            if not same_kind or separator is None:
                break
            last, ended = after, bool(separator.group("last"))
            if ended:
                break  # "and" closes the list
        if ended:
            text = sentence[first.start : last.end]
            found.append(Span(first.start, last.end, text, first.kind, first.from_ner, "join"))
    return found
