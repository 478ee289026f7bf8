"""Candidate answer spans inside a sentence: names, numbers, dates and quoted titles, typed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.reading.answer_types import AnswerType, head_noun_type
from service.reading.terms import ABBREVIATIONS, stem


def _words(text: str) -> list[str]:
    return text.split()


# spaCy's OntoNotes labels, mapped onto our answer types.
NER_LABELS: dict[str, AnswerType] = {
    "PERSON": AnswerType.PERSON,
    "ORG": AnswerType.ORG,
    "GPE": AnswerType.PLACE,
    "LOC": AnswerType.PLACE,
    "FAC": AnswerType.PLACE,
    "NORP": AnswerType.NATIONALITY,
    "DATE": AnswerType.DATE,
    "TIME": AnswerType.DATE,
    "MONEY": AnswerType.MONEY,
    "PERCENT": AnswerType.PERCENT,
    "CARDINAL": AnswerType.NUMBER,
    "QUANTITY": AnswerType.NUMBER,
    "ORDINAL": AnswerType.NUMBER,
    "PRODUCT": AnswerType.NAME,
    "EVENT": AnswerType.NAME,
    "WORK_OF_ART": AnswerType.NAME,
    "LAW": AnswerType.NAME,
    "LANGUAGE": AnswerType.NAME,
}
PROPER = frozenset({AnswerType.PERSON, AnswerType.ORG, AnswerType.PLACE, AnswerType.NAME})
NUMERIC = frozenset({AnswerType.NUMBER, AnswerType.MONEY, AnswerType.PERCENT})


@dataclass(frozen=True)
class Span:
    """A typed candidate; start/end are offsets into the sentence it was found in."""

    start: int
    end: int
    text: str
    kind: AnswerType
    from_ner: bool = False
    # How it was found: "" (tagger or pattern), or a candidate made from others (candidates.py).
    origin: str = ""


@dataclass(frozen=True)
class Tagged:
    """What the tagger found in one sentence (offsets into the sentence)."""

    entities: list[Span]
    nouns: list[Span]  # common-noun phrases ("early spring", "seeds"), typed THING
    proper_starts: frozenset[int]  # where tokens tagged as proper nouns start


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"\b(?:{_DAYS},?\s+)?{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?\b"
    rf"|\b(?:(?:early|late|mid-?)\s*)?{_MONTHS}\s+\d{{4}}\b"
    rf"|\b(?:[Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter)\s+(?:of\s+)?\d{{4}}\b"
    rf"|\b{_DAYS}\b|\b(?:1[89]|20)\d\d(?:s\b)?"
)
_SCALE = r"(?:hundred|thousand|million|billion|trillion|[mbk]n?)\b"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|dozens?|a dozen|half)"
)
_MONEY = re.compile(
    rf"(?:US)?[$\u20ac\u00a3\u00a5]\s?\d[\d,]*(?:\.\d+)?(?:\s?{_SCALE})?"
    rf"|\b\d[\d,]*(?:\.\d+)?(?:\s{_SCALE})?\s(?:dollars|euros|pounds|yuan|yen|rupees)\b"
)
_PERCENT = re.compile(  # "15 to 25 percent" is one share; "from 15 to 25 percent" ends at 25
    r"\b(?:(?<!from\s)\d[\d,]*(?:\.\d+)?%?\s?(?:to|-|\u2013)\s?)?"
    r"\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b|percentage points?\b)"
)
_NUMBER = re.compile(
    rf"\b\d[\d,]*(?:\.\d+)?(?:\s{_SCALE})?|\b{_NUMBER_WORDS}(?:[- ]{_NUMBER_WORDS})*\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"[\"\u201c]([^\"\u201c\u201d]{2,80})[\"\u201d]|\u2018([^\u2018\u2019]{2,60})\u2019"
)
# Capitalised words, connectors inside ("Bank of America"); a dot in "U.S." or "J.", not "Inc.".
_CAP = (
    r"(?:[A-Z](?:[\w'\u2019&-]|\.(?=\w))*(?:(?<=\b[A-Z])\.)?"
    r"|al-[A-Z][\w'\u2019-]*|\d+[A-Z][\w-]*)"
)
_CONNECT = r"(?:of|de|da|del|della|di|du|van|von|der|den|bin|ibn|al|la|le|y|for|&|the|on)"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:{_CONNECT}\s+)*{_CAP})*")
# Capitalised words that start sentences or clauses rather than names.
_NOT_NAMES = frozenset(
    _words(
        """a an the this that these those in on at for to of from by with as and or but if when
    while after before since during he she it they we i you his her its their our my your
    there here what which who whom whose where why how mr mrs ms dr so yet also however
    according last next new some many most more all no not one two three be is was are were
    monday tuesday wednesday thursday friday saturday sunday"""
    )
)
_ORG_SUFFIX = re.compile(
    r"\b(?:Inc|Corp|Corporation|Co|Ltd|LLC|Group|Labs?|AI|Technologies|Systems|Bank|"
    r"University|Institute|Association|Agency|Foundation|Company|Motors|Airlines|Network|"
    r"Department|Committee|Council|Party|Times|News|Post)\.?$"
)
_PERSON_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Pres|Prof|Sir|Dame|Lord|(?i:president|ceo|chancellor|"
    r"minister|secretary|judge|justice|king|queen|prince|princess|pope|senator|governor|mayor|"
    r"representative|congressman|congresswoman|lawmaker|legislator|founder|co-founder|"
    r"executive|chief|officer|director|head|chair|chairman|chairwoman|professor|researcher|"
    r"scientist|engineer|analyst|economist|author|investor|entrepreneur|star|singer|actor|"
    r"actress|rapper))\.?\s+|\b(?:led|founded|headed|run|helmed|chaired) by\s+)$"
)
# An apposition that says what a name is: "Kyutai, the lab behind ...", "X, a startup".
_APPOSITION = re.compile(r"\s*,\s*(?:the|a|an)\s+((?:[\w-]+\s+){0,2}[\w-]+)")


def rule_spans(sentence: str) -> list[Span]:
    """Candidates found by patterns alone; the fallback when no NER model is installed."""
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: AnswerType) -> None:
        text = sentence[start:end].strip(" ,.;:'\u2019\"\u201c\u201d")
        if not text:
            return
        start = sentence.index(text, start)
        spans.append(Span(start, start + len(text), text, kind))
        taken.append((start, start + len(text)))

    for match in _MONEY.finditer(sentence):
        add(match.start(), match.end(), AnswerType.MONEY)
    for match in _PERCENT.finditer(sentence):
        add(match.start(), match.end(), AnswerType.PERCENT)
    for match in _DATE.finditer(sentence):
        add(match.start(), match.end(), AnswerType.DATE)
    for match in _NUMBER.finditer(sentence):
        if not _overlaps(match.start(), match.end(), taken):
            add(match.start(), match.end(), AnswerType.NUMBER)
    for match in _QUOTED.finditer(sentence):
        group = 1 if match.group(1) is not None else 2
        add(match.start(group), match.end(group), AnswerType.NAME)
    for start, end in _name_runs(sentence):
        if not _overlaps(start, end, taken):
            add(start, end, _guess_name_kind(sentence, start, end))
    return spans


def _name_runs(sentence: str) -> Iterable[tuple[int, int]]:
    for match in _NAME.finditer(sentence):
        words = list(re.finditer(r"\S+", match.group()))
        # Drop leading function words ("The", "In") and a trailing possessive.
        while words and words[0].group().lower().strip(".,") in _NOT_NAMES:
            words.pop(0)
        while words and words[-1].group().lower() in _NOT_NAMES:
            words.pop()
        if not words:
            continue
        # A possessive inside the run ends a name: "European Union's AI Act" is two.
        run: list[re.Match[str]] = []
        for word in words:
            run.append(word)
            if word.group().endswith(("'s", "\u2019s")) or word is words[-1]:
                start, end = match.start() + run[0].start(), match.start() + word.end()
                yield _without_suffix(sentence, start, end)
                run = []


def _without_suffix(sentence: str, start: int, end: int) -> tuple[int, int]:
    text = sentence[start:end]
    for suffix in ("'s", "\u2019s"):
        if text.endswith(suffix):
            end -= len(suffix)
    return start, end


def _guess_name_kind(sentence: str, start: int, end: int) -> AnswerType:
    text = sentence[start:end]
    if _ORG_SUFFIX.search(text):
        return AnswerType.ORG
    if _PERSON_TITLE.search(sentence[max(0, start - 30) : start]):
        return AnswerType.PERSON
    return AnswerType.NAME


def _overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


def merge_spans(sentence: str, tagged: Tagged | None, rules: Iterable[Span]) -> list[Span]:
    """NER spans win; rule spans fill the gaps; noun phrases come last and may overlap names.

    With a tagger, a pattern-found "name" that opens the sentence and holds no proper noun is
    dropped: a capitalised opener ("Critics", "Though") that patterns cannot tell from a name.
    """
    if tagged is None:
        return list(rules)
    rules = list(rules)
    # A title or "led by" before a name outweighs the small NER model's guess at its type.
    people = {(s.start, s.end) for s in rules if s.kind == AnswerType.PERSON}
    merged = [
        Span(s.start, s.end, s.text, AnswerType.PERSON, True)
        if (s.start, s.end) in people
        else _retyped(sentence, amount)
        for entity in tagged.entities
        for s in _without_amounts(_without_full_stop(entity), rules)
        for amount in _exact_amounts(sentence, s, rules)
    ]
    taken = [(span.start, span.end) for span in merged]
    for span in rules:
        if _extends_names(span, merged):
            merged.append(span)  # "DGX OS" where the tagger found "DGX": both are candidates
            continue
        if _overlaps(span.start, span.end, taken):
            continue
        if (
            span.kind in PROPER
            and _opens_sentence(sentence, span)
            and not any(span.start <= start < span.end for start in tagged.proper_starts)
        ):
            # Capitalised only because it opens the sentence: a common noun ("Seaweed and
            # aquatic plants were ..."), or no answer at all ("Though").
            span = Span(span.start, span.end, span.text, AnswerType.THING, origin="opener")
        merged.append(span)
    texts = {span.text.lower() for span in merged}
    nouns = [_without_full_stop(span) for span in tagged.nouns]
    merged.extend(span for span in nouns if span.text.lower() not in texts)
    return merged


def _without_full_stop(entity: Span) -> Span:
    """A name without the sentence's full stop the tagger kept ("... Llama 3.1 405B."), unless
    it ends in an initial or an abbreviation ("J.", "U.S.", "Inc.")."""
    if not entity.text.endswith(".") or len(entity.text) < 3:
        return entity
    last = entity.text[:-1].split()[-1] if entity.text[:-1].split() else ""
    if len(last) == 1 or "." in last or last in ABBREVIATIONS:
        return entity
    text = entity.text[:-1]
    return Span(entity.start, entity.end - 1, text, entity.kind, entity.from_ner, entity.origin)


def _without_amounts(entity: Span, rules: Sequence[Span]) -> list[Span]:
    """A name the small NER model ran into an amount ("Maverick $0.22"): the amount and the
    name, apart. Amounts the patterns find inside a name are never part of it."""
    if entity.kind not in PROPER:
        return [entity]
    amounts = [
        rule
        for rule in rules
        if rule.kind in (AnswerType.MONEY, AnswerType.PERCENT)
        and entity.start <= rule.start
        and rule.end <= entity.end
    ]
    if not amounts:
        return [entity]
    parts = [Span(a.start, a.end, a.text, a.kind, True) for a in amounts]
    name_end = amounts[0].start
    text = entity.text[: name_end - entity.start].rstrip(" ,;:")
    if text:
        parts.insert(0, Span(entity.start, entity.start + len(text), text, entity.kind, True))
    return parts


def _extends_names(rule: Span, entities: Sequence[Span]) -> bool:
    """A pattern-found name that holds a tagged name and goes on with an acronym or a version
    ("DGX OS", "Nvidia H100"), which the small NER model cuts short."""
    if rule.kind not in PROPER:
        return False
    inside = [e for e in entities if e.start < rule.end and rule.start < e.end]
    if not inside or any(e.start < rule.start or e.end > rule.end for e in inside):
        return False
    covered = {i for e in inside for i in range(e.start, e.end)}
    extra = "".join(
        " " if offset in covered else char for offset, char in enumerate(rule.text, rule.start)
    ).split()
    return bool(extra) and all(_ACRONYM_OR_VERSION.fullmatch(word) for word in extra)


_ACRONYM_OR_VERSION = re.compile(r"[A-Z][A-Z0-9]+|[A-Z]?\d[\w.]*|[A-Z][a-z]*\d[\w.]*")


def _retyped(sentence: str, entity: Span) -> Span:
    """A name's type from what the sentence says of it, over the small NER model's guess.

    In order: a title before it ("Representative Giovanni Capriglione"), an organisation's
    suffix in it ("Superintelligence Labs"), an apposition after it ("Kyutai, the lab ...").
    """
    if entity.kind not in PROPER:
        return entity
    kind = entity.kind
    if _PERSON_TITLE.search(sentence[max(0, entity.start - 30) : entity.start]):
        kind = AnswerType.PERSON
    elif _ORG_SUFFIX.search(entity.text):
        kind = AnswerType.ORG
    else:
        apposition = _APPOSITION.match(sentence, entity.end)
        if apposition is not None:
            kind = _apposition_type(apposition.group(1)) or kind
    if kind == entity.kind:
        return entity
    return Span(entity.start, entity.end, entity.text, kind, entity.from_ner)


def _apposition_type(words: str) -> AnswerType | None:
    for word in words.lower().split():
        kind = head_noun_type(word)
        if kind in PROPER:
            return kind
    return None


_CURRENCY = re.compile(
    r"[$\u20ac\u00a3\u00a5]|\b(?:dollars?|euros?|pounds?|yuan|yen|rupees?|cents?|won|"
    r"francs?|pesos?|rubles?|roubles?|USD|EUR|GBP)\b",
    re.IGNORECASE,
)


def _exact_amounts(sentence: str, entity: Span, rules: Sequence[Span]) -> list[Span]:
    """An amount's bounds from the patterns, which the small NER model blurs: it leaves the
    currency sign out ("19.99" of "$19.99"), takes rates in ("$150 per million") and pairs
    in ("$1.10/$4.40 per million": two amounts, each typed by the model)."""
    if entity.kind not in (AnswerType.MONEY, AnswerType.PERCENT):
        return [entity]
    inside = [
        Span(rule.start, rule.end, rule.text, entity.kind, True)
        for rule in rules
        if rule.kind == entity.kind and rule.start < entity.end and entity.start < rule.end
    ]
    if not inside:
        if entity.kind == AnswerType.MONEY and not _CURRENCY.search(
            sentence[max(0, entity.start - 4) : entity.end + 12]
        ):
            # No currency anywhere near: "a 3.8 billion-parameter version" is a count.
            return [Span(entity.start, entity.end, entity.text, AnswerType.NUMBER, True)]
        return [entity]
    # Only a slash makes a pair; "$5 million to $10 million" is one range, typed at its start.
    amounts = inside[:1]
    for amount in inside[1:]:
        if sentence[amounts[-1].end : amount.start].strip() != "/":
            break
        amounts.append(amount)
    return amounts


# Units a measured answer carries ("50 milliseconds", "10 million tokens"), as the questions'
# answers do; counts ("how many languages": "23") and ages ("how old": "96") stay bare.
UNITS = frozenset(
    _words(
        """second seconds millisecond milliseconds minute minutes hour hours day days week weeks
    month months year years decade decades century centuries token tokens word words page pages
    byte bytes kilobytes megabytes gigabytes terabytes petabytes kb mb gb tb meter meters metre
    metres kilometer kilometers kilometre kilometres km mile miles foot feet inch inches yard
    yards kilogram kilograms kg gram grams ton tons tonne tonnes degree degrees pascal pascals
    gigapascals watt watts kilowatt kilowatts megawatt megawatts gigawatt gigawatts volt volts
    liter liters litre litres gallon gallons acre acres hectare hectares mph kilobyte megabyte
    gigabyte terabyte petabyte"""
    )
)
_COUNT_OR_AGE = re.compile(r"\bhow (?:many|old)\b|\bwhat age\b|\bat what age\b", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)\b")


def with_unit(sentence: str, span: Span, question: str, question_words: frozenset[str]) -> Span:
    """A number followed by its unit, where the question asks for a measure, not a count.

    The unit joins unless the question names it already ("what is the parameter count": the
    answer is "400 billion", not "400 billion parameters").
    """
    if span.kind != AnswerType.NUMBER or _COUNT_OR_AGE.search(question):
        return span
    match = _NEXT_WORD.match(sentence, span.end)
    if match is None or match.group(1).lower() not in UNITS:
        return span
    unit = match.group(1).lower()
    if stem(unit) in question_words or (
        unit == "years" and sentence[match.end() :].startswith(" old")
    ):
        return span
    return Span(
        span.start, match.end(), sentence[span.start : match.end()], span.kind, span.from_ner
    )


def _opens_sentence(sentence: str, span: Span) -> bool:
    return not sentence[: span.start].strip(" \"'\u201c\u2018([-")
