"""Candidate answer spans inside a sentence: names, numbers, dates and quoted titles, typed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from indexer.analysis import SentenceTags, analyzer_installed, load_analyzer
from indexer.lru import LockedLRU
from service.answer_types import AnswerType, head_noun_type


def _words(text: str) -> list[str]:
    return text.split()


_STOPWORDS = frozenset(
    _words(
        """a an the this that these those is are was were be been being am do does did doing have
    has had having will would shall should can could may might must of in on at to for from by
    with about as into onto over under after before during since until than then so such and or
    but nor not no if while when where which who whom whose what why how it its it's he him his
    she her hers they them their theirs we us our you your i me my mine there here also just
    only very more most much many some any all each every other another one said says say
    according recently this week year new first last according now get got make made"""
    )
)
_WORD = re.compile(r"[\w'\u2019-]+")


# Irregular verbs that news questions and answers use in different tenses.
_IRREGULAR = {
    "led": "lead", "leads": "lead", "leading": "lead", "ran": "run", "runs": "run",
    "won": "win", "wins": "win", "bought": "buy", "buys": "buy", "sold": "sell", "sells": "sell",
    "paid": "pay", "pays": "pay", "made": "make", "makes": "make", "took": "take",
    "takes": "take", "became": "become", "becomes": "become", "left": "leave",
    "leaves": "leave", "founded": "found", "founds": "found", "hit": "hit", "hits": "hit",
}  # fmt: skip


# Both are pure and meet the same words and sentences over and over (the passages of popular
# stories): cached, they were ~6% of a worker's CPU under load less (py-spy).
@lru_cache(maxsize=1 << 14)
def stem(word: str) -> str:
    """A light, deterministic stem: enough to match "raised" with "raise" and "companies"."""
    word = word.removesuffix("'s").removesuffix("\u2019s")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + repl
            break
    # A silent final e goes too, so "raise", "raised" and "raising" all become "rais".
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


@lru_cache(maxsize=1 << 12)  # ~2.5 KB a sentence: ~10 MB per worker when full
def content_terms(text: str) -> frozenset[str]:
    """Stemmed, lower-cased words of a text, less stop words."""
    return frozenset(stem(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS)


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
_PROPER = frozenset({AnswerType.PERSON, AnswerType.ORG, AnswerType.PLACE, AnswerType.NAME})
_NUMERIC = frozenset({AnswerType.NUMBER, AnswerType.MONEY, AnswerType.PERCENT})


@dataclass(frozen=True)
class Span:
    """A typed candidate; start/end are offsets into the sentence it was found in."""

    start: int
    end: int
    text: str
    kind: AnswerType
    from_ner: bool = False


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
_PERCENT = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b|percentage points?\b)")
_NUMBER = re.compile(
    rf"\b\d[\d,]*(?:\.\d+)?(?:\s{_SCALE})?|\b{_NUMBER_WORDS}(?:[- ]{_NUMBER_WORDS})*\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"[\"\u201c]([^\"\u201c\u201d]{2,80})[\"\u201d]|\u2018([^\u2018\u2019]{2,60})\u2019"
)
# A run of capitalised words, allowing lower-case connectors inside ("Bank of America").
# A dot stays inside a word ("U.S.") or after an initial ("J."), never after a whole word.
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
        start, end = match.start(), match.end()
        words = list(re.finditer(r"\S+", match.group()))
        # Drop leading function words ("The", "In") and a trailing possessive.
        while words and words[0].group().lower().strip(".,") in _NOT_NAMES:
            words.pop(0)
        while words and words[-1].group().lower() in _NOT_NAMES:
            words.pop()
        if not words:
            continue
        start, end = match.start() + words[0].start(), match.start() + words[-1].end()
        text = sentence[start:end]
        for suffix in ("'s", "\u2019s"):
            if text.endswith(suffix):
                end -= len(suffix)
        yield start, end


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
        else _retyped(sentence, _exact_amount(s, rules))
        for s in tagged.entities
    ]
    taken = [(span.start, span.end) for span in merged]
    for span in rules:
        if _overlaps(span.start, span.end, taken):
            continue
        if (
            span.kind in _PROPER
            and _opens_sentence(sentence, span)
            and not any(span.start <= start < span.end for start in tagged.proper_starts)
        ):
            continue
        merged.append(span)
    texts = {span.text.lower() for span in merged}
    merged.extend(span for span in tagged.nouns if span.text.lower() not in texts)
    return merged


def _retyped(sentence: str, entity: Span) -> Span:
    """A name's type from what the sentence says of it, over the small NER model's guess.

    In order: a title before it ("Representative Giovanni Capriglione"), an organisation's
    suffix in it ("Superintelligence Labs"), an apposition after it ("Kyutai, the lab ...").
    """
    if entity.kind not in _PROPER:
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
        if kind in _PROPER:
            return kind
    return None


def _exact_amount(entity: Span, rules: Sequence[Span]) -> Span:
    """An amount's bounds from the patterns, which the small NER model blurs: it leaves the
    currency sign out ("19.99" of "$19.99") and takes rates in ("$150 per million")."""
    if entity.kind not in (AnswerType.MONEY, AnswerType.PERCENT):
        return entity
    for rule in rules:
        if rule.kind == entity.kind and rule.start < entity.end and entity.start < rule.end:
            return Span(rule.start, rule.end, rule.text, entity.kind, True)
    return entity


# Units a measured answer carries ("50 milliseconds", "10 million tokens"), as the questions'
# answers do; counts ("how many languages": "23") and ages ("how old": "96") stay bare.
_UNITS = frozenset(
    _words(
        """second seconds millisecond milliseconds minute minutes hour hours day days week weeks
    month months year years decade decades century centuries token tokens word words page pages
    byte bytes kilobytes megabytes gigabytes terabytes petabytes kb mb gb tb meter meters metre
    metres kilometer kilometers kilometre kilometres km mile miles foot feet inch inches yard
    yards kilogram kilograms kg gram grams ton tons tonne tonnes degree degrees pascal pascals
    gigapascals watt watts kilowatts megawatts gigawatts volt volts liter liters litre litres
    gallon gallons acre acres hectare hectares mph"""
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
    if match is None or match.group(1).lower() not in _UNITS:
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


def type_fit(expected: AnswerType, kind: AnswerType, *, from_ner: bool) -> float:
    """How well a candidate's type fits the question's, 0..1 (0: never the answer)."""
    if kind == expected:
        return 1.0
    if kind == AnswerType.NATIONALITY:
        return 0.3 if expected in (AnswerType.NAME, AnswerType.THING) else 0.1
    if expected == AnswerType.MONEY and kind == AnswerType.NUMBER:
        return 0.5
    if expected == AnswerType.NUMBER and kind in _NUMERIC:
        return 0.7
    if expected == AnswerType.THING:
        return 0.6 if kind in _PROPER else 0.3
    if expected == AnswerType.NAME and kind == AnswerType.THING:
        return 0.5
    if expected in _PROPER and kind in _PROPER:
        # A pattern-found name is untyped: it may well be the person or company asked for.
        if expected == AnswerType.NAME or kind == AnswerType.NAME:
            return 0.6 if from_ner else 0.7
        return 0.25
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
    rf"\b(?:{_ROLE_WORDS}|leads?|runs?|heads?|founded|in charge|at the helm)\b", re.IGNORECASE
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


def question_words(question: str) -> frozenset[str]:
    """Every stemmed word of the question, stop words included ("US", "who")."""
    return frozenset(stem(word) for word in _WORD.findall(question.lower()))


def question_overlap(span_text: str, question_words: frozenset[str]) -> float:
    """Share of the span's words that the question already says (0 = all new)."""
    words = [stem(w) for w in _WORD.findall(span_text.lower())]
    content = [w for w in words if w not in _STOPWORDS] or words
    if not content:
        return 0.0
    return sum(word in question_words for word in content) / len(content)


def proximity(sentence: str, span: Span, question_terms: frozenset[str]) -> float:
    """exp-decay of the word distance from the span to the nearest question term, 0..1."""
    positions = [
        (match.start(), match.end())
        for match in _WORD.finditer(sentence)
        if stem(match.group().lower()) in question_terms
        and not (span.start <= match.start() < span.end)
    ]
    if not positions:
        return 0.0
    best = min(_words_between(sentence, start, end, span) for start, end in positions)
    return float(2.0 ** (-best / 4))


def _words_between(sentence: str, start: int, end: int, span: Span) -> int:
    gap = sentence[end : span.start] if end <= span.start else sentence[span.end : start]
    return len(_WORD.findall(gap))


@dataclass(frozen=True)
class Tagged:
    """What the tagger found in one sentence (offsets into the sentence)."""

    entities: list[Span]
    nouns: list[Span]  # common-noun phrases ("early spring", "seeds"), typed THING
    proper_starts: frozenset[int]  # where tokens tagged as proper nouns start


class SentenceTagger(Protocol):
    """What `EntityTagger` needs: raw tags for a batch of sentences (indexer.analysis)."""

    def tag(self, sentences: Sequence[str]) -> list[SentenceTags]: ...


def to_tagged(sentence: str, tags: SentenceTags) -> Tagged:
    """Typed spans of one sentence from its raw tags (computed now or stored in the index)."""
    entities = [
        Span(start, end, sentence[start:end], NER_LABELS[label], True)
        for start, end, label in tags.entities
        if label in NER_LABELS
    ]
    nouns = []
    for start, end in tags.noun_phrases:
        text = sentence[start:end]
        # A capitalised "common noun" is often a name the tagger missed ("Crocs").
        kind = AnswerType.NAME if text[:1].isupper() else AnswerType.THING
        nouns.append(Span(start, end, text, kind))
    return Tagged(entities, nouns, tags.proper_starts)


class EntityTagger:
    """Typed entities and noun phrases of sentences the index holds no analysis for.

    Results are kept for the last `cache_size` sentences: popular passages are read again and
    again, and tagging is deterministic. Callers must treat a `Tagged` as read-only.
    """

    def __init__(self, tagger: SentenceTagger, *, cache_size: int = 4096) -> None:
        self._tagger = tagger
        self._cache: LockedLRU[str, Tagged] = LockedLRU(cache_size)

    def tag(self, sentences: Sequence[str]) -> list[Tagged]:
        """Entities, noun phrases and proper nouns of each sentence, in one batched pass."""
        found = {text: tagged for text in sentences if (tagged := self._cache.get(text))}
        missing = list(dict.fromkeys(text for text in sentences if text not in found))
        if missing:
            for text, tags in zip(missing, self._tagger.tag(missing), strict=True):
                found[text] = to_tagged(text, tags)
                self._cache.put(text, found[text])
        return [found[text] for text in sentences]


class _OnFirstUse:
    """The process's analyzer, loaded when a sentence first needs tagging.

    Over an index with stored sentence analysis nothing needs tagging, so the service never
    loads spaCy (about a second and a hundred MB).
    """

    def tag(self, sentences: Sequence[str]) -> list[SentenceTags]:
        analyzer = load_analyzer()
        if analyzer is None:  # installed a moment ago, unloadable now: tag nothing, loudly
            raise RuntimeError("the spaCy English model could not be loaded")
        return analyzer.tag(sentences)


def load_entity_tagger() -> EntityTagger | None:
    """A tagger over the NER model of an installed package (never downloaded), or None."""
    return EntityTagger(_OnFirstUse()) if analyzer_installed() else None
