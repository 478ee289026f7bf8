"""What a question asks, read once for the reader: the answer's type, the noun it asks about,
the entities it is about, the acronyms it names.

"Which automaker recalled 380,000 trucks?" asks for an organisation (`expected`), calls it an
automaker (`head`: the answer is often near that word, "the automaker Toyota"), and is about
nothing named. "Who leads Superintelligence Labs?" is about "Superintelligence Labs" (`focus`):
the sentence that answers it names that entity or an alias of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from indexer.text.stopwords import READER_STOPWORDS
from service.reading.answer_types import (
    AnswerType,
    expected_answer_type,
    head_noun_type,
    names_an_artifact,
)
from service.reading.defined import defined_name
from service.reading.echoes import question_echoes
from service.reading.features import asks_about_role
from service.reading.name_runs import focus_names
from service.reading.places import asked_level
from service.reading.qualifiers import qualifiers
from service.reading.rarity import rare_words
from service.reading.terms import (
    IRREGULAR_VERB_FORMS,
    WORD,
    content_terms,
    question_words,
    stem,
)
from service.reading.timing import goes_back_in_time
from service.retrieval.timeframes import Timeframe, resolve_timeframe

# The noun phrase a wh-word governs: "which (European) country", "how many (Christmas) trees",
# "what is the name of the (storm)". Up to four words, cut at the first stop word.
_WH_PHRASE = re.compile(
    r"\b(?:which|what|whose|how many|how much)\s+"
    # "which of these", "which of Amazon's own models": the noun after the owner is asked.
    r"(?:of\s+(?:the\s+following|these|those|the|its|their|[\w.-]+['\u2019]s(?:\s+own)?)\s+)?"
    r"(?:(?:is|was|are|were)\s+)?(?:the\s+|its\s+|their\s+|his\s+|her\s+)?"
    r"(?:(?:name|title|term|word|type|kind|sort)s?\s+(?:of|for)\s+(?:the\s+|a\s+|an\s+|its\s+)?)?"
    r"((?:[\w'\u2019-]+(?:\.[\w'\u2019-]+)*\s+){0,3}[\w'\u2019-]+(?:\.[\w'\u2019-]+)*)",
    re.IGNORECASE,
)
# Possessives that say what kind of thing follows, not whose: "which children's show".
_KIND_POSSESSIVES = frozenset({"children", "women", "men", "people"})
_PHRASE_WORDS = 4  # the most words the asked noun phrase holds after its owner
# The words of the asked phrase, as _WH_PHRASE reads them: one a space does not follow ends it.
_PHRASE_WORD = re.compile(r"([\w'\u2019-]+(?:\.[\w'\u2019-]+)*)(\s+)?")
# Words that end the asked noun phrase: verbs and clause words after it.
# "Who is the OpenAI boss that ...": the description the answer is named beside, as in
# "OpenAI chief Sam Altman" or "Michael Waltz, the national security advisor".
_WHO_IS_THE = re.compile(
    r"\bwho(?:\s+is|\s+was|'s|\u2019s)\s+(?:the|a|an)\s+((?:[\w'\u2019-]+\s+){0,3}[\w'\u2019-]+)",
    re.IGNORECASE,
)
# Stop words and superlatives that open the asked phrase as modifiers: "which other country",
# "what new project", "the biggest model" ask about the noun after them.
_LEADING_MODIFIERS = frozenset(
    {
        "new", "other", "most", "first", "last", "latest", "next", "top", "main", "biggest",
        "largest", "smallest", "highest", "lowest", "fastest", "cheapest", "newest", "oldest",
        "youngest", "best", "worst", "greatest", "longest", "strongest",
    }
)  # fmt: skip
# ... and in lower case only: "Which Major League Baseball team" begins a name.
_LOWER_CASE_MODIFIERS = frozenset({"big", "major"})
# "Xai's", "labs'": a possessive word, whose owner the phrase is not about (asked_head).
_POSSESSIVE = re.compile(r"(?:['\u2019]s|(?<=s)['\u2019])$")
# "What's the ...": the contracted "is", which the phrase patterns read written out.
_CONTRACTED_IS = re.compile(r"\b(what|which|who)['\u2019]s\b", re.IGNORECASE)
# "Which two states ...", "name the three ...": the answer joins several things (answer_forms.py).
_SEVERAL = re.compile(
    r"\b(?:(?:which|what)\s+(?:are\s+the\s+)?|name\s+(?:the\s+)?)(two|three|four|five)\b",
    re.IGNORECASE,
)
# "What does CES stand for?", "What is NFT short for?": the acronym's expansion is asked.
_STANDS_FOR = re.compile(
    r"\b(?i:what\s+(?:does|do|did|is|was)\s+(?:the\s+)?)[\"\u201c\u2018']?"
    r"(?P<acronym>[A-Z][A-Za-z0-9&]*)[\"\u201d\u2019']?\s+(?i:stands?\s+for|short\s+for)\b"
)
# "In what month ...", "which year ...": the answer is a month's name or a year.
_DATE_UNIT = re.compile(r"\b(?:what|which)\s+(month|year)\b", re.IGNORECASE)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5}
_INITIALISM = re.compile(r"\b(?:[A-Za-z]\.){2,}")

_PHRASE_STOP = READER_STOPWORDS | frozenset(
    [
        "did",
        "does",
        "do",
        "is",
        "was",
        "are",
        "were",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "that",
        "this",
        "these",
        "those",
        # Prepositions that end the phrase ("the advisor among the authors").
        "among",
        "behind",
        "across",
        "within",
        "without",
        "between",
        "against",
        "through",
        "like",
        "per",
    ]
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,7}s?\b")
# "What did it score on ...", "what score did it get": a result on a test is asked (scored.py
# reads the test's name after it).
SCORE_WORD = r"\bscor(?:e|ed|es|ing)\b"
_SCORED = re.compile(SCORE_WORD, re.IGNORECASE)


@dataclass(frozen=True)
class Asked:
    """A question as the reader uses it."""

    text: str
    expected: AnswerType
    terms: frozenset[str]  # stemmed content words
    words: frozenset[str]  # every stemmed word, stop words included
    head: frozenset[str]  # stems of the noun phrase the wh-word governs
    head_text: str  # that phrase as written, lower-cased ("household pets")
    artifact: bool  # that noun is a made thing ("which model"; answer_types.names_an_artifact)
    place_level: str | None  # the level of place it names: "country", "state", ... (places.py)
    focus: tuple[str, ...]  # lower-cased named entities and quoted strings of the question
    rare_focus: tuple[str, ...]  # their words that are rare in English ("qwq", "32b")
    acronyms: tuple[str, ...]
    echoes: frozenset[str]  # forms of what it already says: its names' initials, demonyms
    asks_role: bool
    counts: bool  # "how many", "how old": a bare number, no unit
    scored: bool  # "what did X score on Y": a result on a test (fit.py)
    several: int  # 2 for "which two ...": the answer names that many things
    plural: bool  # it asks for things of a known kind in the plural ("which companies")
    expands: str  # "CES" for "What does CES stand for?": its expansion is asked
    date_unit: str  # "month" for "in what month ...", "year"; else "" (all three: answer_forms.py)
    defines: str  # "Muse Spark" for "What is Muse Spark?": what it is is asked (defined.py)
    as_of: date | None = None  # the day the question is asked on
    # That day where it goes back in time, before the newest news indexed: the asker asks
    # what was news then, and an article long before it is weak evidence (timing.staleness).
    # None where the question is asked now, or on no day.
    asked_then: date | None = None
    timeframe: Timeframe | None = None  # its time words, resolved against as_of (or today)
    # What an amount is asked per ("a year", "output"; qualifiers.py).
    qualifiers: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)


def read_question(
    question: str, as_of: date | None = None, newest_indexed: date | None = None
) -> Asked:
    """Everything the reader needs from a question, computed once; `newest_indexed` is the
    newest article's date in the index read from (None where unknown)."""
    defines = defined_name(question)
    # What a named thing is: a description, whatever the wh-word (defined.py).
    expected = AnswerType.THING if defines else expected_answer_type(question)
    head_words = asked_head(question)
    head_text = " ".join(head_words)
    return Asked(
        text=question,
        expected=expected,
        terms=content_terms(question),
        words=question_words(question),
        head=frozenset(stem(w) for w in head_words),
        head_text=head_text,
        artifact=names_an_artifact(head_words),
        place_level=asked_level(head_text),
        focus=(focus := focus_names(question)),
        rare_focus=rare_words(" ".join(focus)),
        acronyms=question_acronyms(question),
        echoes=question_echoes(question),
        asks_role=expected in (AnswerType.PERSON, AnswerType.NAME) and asks_about_role(question),
        counts=(counts := re.search(r"\bhow (?:many|old)\b", question, re.IGNORECASE) is not None),
        scored=expected == AnswerType.NUMBER
        and not counts
        and _SCORED.search(question) is not None,
        several=things_asked(question),
        plural=asks_plural(head_words),
        expands=acronym_asked(question),
        date_unit=date_unit_asked(question),
        defines=defines,
        qualifiers=qualifiers(question),
        as_of=as_of,
        asked_then=as_of if goes_back_in_time(as_of, newest_indexed) else None,
        timeframe=resolve_timeframe(question, as_of or date.today()),
    )


def question_acronyms(question: str) -> tuple[str, ...]:
    """The acronyms a question writes ("NIST"), and the one whose expansion it asks for, in
    capitals or not ("What does TabPFN stand for?")."""
    found = [m.group().rstrip("s") for m in _ACRONYM.finditer(question)]
    expands = acronym_asked(question)
    return tuple(dict.fromkeys([*found, expands] if expands else found))


def things_asked(question: str) -> int:
    """How many things the question asks for where it says so ("which two ..."), else 0."""
    found = _SEVERAL.search(question)
    return _NUMBER_WORDS[found.group(1).lower()] if found else 0


# "What is the name of ...", "What is it called?", "known as": a name is asked for, whatever
# noun the question governs.
_ASKS_NAME = re.compile(r"\bnamed?\b|\bcalled\b|\bknown as\b", re.IGNORECASE)


def asks_for_name(question: str) -> bool:
    """Whether the question asks for something's name in so many words."""
    return _ASKS_NAME.search(question) is not None


def asks_plural(head: Sequence[str]) -> bool:
    """Whether the asked noun is the plural of a noun of known kind ("companies", "models"):
    the answer may be a list of names, "OpenAI, Oracle and SoftBank"."""
    if not head:
        return False
    word = head[-1].lower()
    singular = word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word.endswith("s") and not word.endswith("ss") and head_noun_type(singular) is not None


def acronym_asked(question: str) -> str:
    """The acronym whose expansion the question asks for ("What does CES stand for?"), or ""."""
    found = _STANDS_FOR.search(question)
    return (found.group("acronym") or "") if found else ""


def date_unit_asked(question: str) -> str:
    """ "month" or "year" where the question asks for one ("in what month ..."), else ""."""
    found = _DATE_UNIT.search(question)
    return found.group(1).lower() if found else ""


def asked_head(question: str) -> list[str]:
    """The noun phrase the question's wh-word governs ("which automaker": automaker), or that
    describes the person asked for ("who is the national security advisor ...")."""
    # "Which U.S. agency": the initialism's dots would end the phrase at "U".
    question = _INITIALISM.sub(lambda m: m.group().replace(".", ""), question)
    question = _CONTRACTED_IS.sub(r"\1 is", question)
    match = _WH_PHRASE.search(question) or _WHO_IS_THE.search(question)
    if match is None:
        return []
    words: list[str] = []
    # "Which country's president": the wh-word's own noun is the owner asked for.
    between = question[match.start() : match.start(1)].split()
    governs = " ".join(between).lower() in ("which", "what", "whose", "how many", "how much")
    # Up to four words, counted again after an owner: "Superintelligence Labs' first big
    # release" asks for a release.
    written_words = _phrase_words(question, match.start(1))
    budget = len(match.group(1).split())
    for written in written_words:
        if budget == 0:
            break
        budget -= 1
        owner = _POSSESSIVE.sub("", written)
        if owner != written and owner.lower() not in _KIND_POSSESSIVES:
            if owner.lower() in _PHRASE_STOP:
                break  # "the community that's credited": a clause, not an owner
            if governs and (not words or between[0].lower() != "how"):
                # "which (Sesame Street) character's X account": the owner is asked
                words += [word.lower() for word in WORD.findall(owner)]
                break
            words = []  # "what is xAI's new subscription": the thing owned is asked for
            budget = _PHRASE_WORDS
            continue
        if not _extend_phrase(words, written):
            break
    if len(words) == 1 and _ends_noun_phrase(words[0]):
        return []  # "what caused the outage", "what specifically": no noun is asked for
    return words


def _phrase_words(question: str, start: int) -> list[str]:
    """The words from `start` on as the asked phrase reads them: up to the first word that no
    space follows ("nation\u2018s", "R&B": the phrase ends inside them)."""
    words: list[str] = []
    while (word := _PHRASE_WORD.match(question, start)) is not None:
        words.append(word.group(1))
        if word.group(2) is None:
            break
        start = word.end()
    return words


def _extend_phrase(words: list[str], written: str) -> bool:
    """Add a written word's parts to the asked phrase; False where the phrase ends there."""
    for part in WORD.findall(written):
        word = part.lower()
        # "Which US state": an initialism in capitals is not the pronoun "us".
        initialism = len(part) > 1 and part.isupper()
        if not words and (
            word in _LEADING_MODIFIERS or (word in _LOWER_CASE_MODIFIERS and part.islower())
        ):
            continue
        if (word in _PHRASE_STOP and not initialism) or (words and _ends_noun_phrase(word)):
            return False
        if words == ["times"]:
            return False  # "how many times bigger", "how many times has ...": times are counted
        words.append(word)
    return True


def _ends_noun_phrase(word: str) -> bool:
    """A verb or adverb after the asked noun: "which food product infected with ...", "which
    automobile sold for ...", "which agency reportedly ..." (not its first word: "what caused"
    asks for no noun at all, and a first word is more often an adjective: "highly")."""
    if word in _VERB_FORMS:
        return True
    if len(word) >= 5 and word.endswith("ed") and not word.endswith("eed"):
        return True  # "infected", "focused", "raised"; not "breed", "speed"
    return len(word) > 5 and word.endswith(_ADVERB_ENDINGS)


_ADVERB_ENDINGS = ("edly", "ally", "ntly", "ely", "tly")  # not "family", "supply", "anomaly"
# Irregular past tenses and a few present ones that questions put after the asked noun
# ("which country went from ...", "which state saw ..."), and "following" and "up": only ever
# after it, so a form that is also a noun ("saw", "set", "hit") is not cut where it opens one.
_VERB_FORMS = IRREGULAR_VERB_FORMS | {
    "went", "said", "says", "got", "gets", "gave", "gives", "came", "comes", "told", "began",
    "brought", "built", "chose", "drew", "drove", "felt", "fought", "flew", "grew", "kept",
    "knew", "lost", "met", "sent", "spent", "stood", "struck", "threw", "wrote", "goes", "wants",
    "agreed", "succeeded", "exceeded", "proceeded", "guaranteed", "freed", "held", "holds",
    "died", "dies", "saw", "sees", "fell", "rose", "rises", "set", "hit", "left", "lit", "quit",
    "swept", "following", "up",
    # Present tenses after the noun ("which platform runs", "which law requires"); only
    # those rarely a plural noun in a question.
    "runs", "sits", "requires", "uses", "makes", "leads", "owns", "offers", "powers",
    "includes", "contains", "provides", "allows", "supports", "costs", "hosts", "builds",
    "sells", "needs", "takes", "pays", "drives", "helps", "produces", "operates", "controls",
    "develops", "lets", "ranks", "beats", "tops", "serves", "handles", "writes", "joins",
    "backs", "funds", "employs", "replaces", "competes", "belongs", "lies", "stands", "covers",
}  # fmt: skip
