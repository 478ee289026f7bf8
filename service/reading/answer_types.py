"""What kind of answer a question asks for: a person, an organisation, a date, a number..."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum


class AnswerType(StrEnum):
    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    NAME = "name"  # some proper name: a product, a title, an event
    THING = "thing"  # anything else: a noun phrase
    NATIONALITY = "nationality"  # only ever a candidate's type ("Brazilian"), never asked for


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The noun after "which"/"what"/"this" decides the type when there is no wh-adverb.
_HEAD_NOUNS: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.PERSON: _words(
        "person man woman people actor actress singer artist rapper musician star player "
        "athlete author writer director ceo executive founder leader president senator "
        "governor mayor official justice judge candidate politician lawmaker minister "
        "chancellor king queen prince princess pope comedian host celebrity billionaire "
        "entrepreneur scientist researcher investor coach golfer quarterback tennis rep "
        "representative secretary chief boss head spokesperson astronaut designer legend icon "
        "member lawyer attorney economist journalist anchor nominee speaker monarch daughter "
        "son brother sister wife husband"
    ),
    AnswerType.ORG: _words(
        "company companies firm startup lab laboratory organization organisation agency group "
        "brand network chain retailer airline automaker carmaker bank maker manufacturer "
        "giant publisher studio team league party university college school service platform "
        "outlet newspaper channel broadcaster union institution department store restaurant "
        "retail business corporation tech developer provider exchange club band court "
        "committee"
    ),
    AnswerType.PLACE: _words(
        "country countries city cities state states nation region place island continent "
        "capital county province town village destination location territory area "
        "neighborhood airport park venue stadium river mountain ocean sea lake volcano border"
    ),
    AnswerType.DATE: _words("year date day month decade century season week cutoff deadline"),
    AnswerType.NUMBER: _words(
        "number total figure count toll score speed size length distance height weight "
        "temperature capacity duration latency accuracy population age window modulus limit auc fid"
    ),
    AnswerType.PERCENT: _words("percent percentage share rate fraction proportion portion"),
    AnswerType.MONEY: _words(
        "price cost amount fee salary valuation fine penalty budget revenue profit wage"
    ),
    AnswerType.NAME: _words(
        "app product model chatbot film movie show series song album book game event award "
        "name title law bill program project device phone vehicle storm hurricane festival "
        "tournament holiday character word term system tool ship vaccine drug"
    ),
}
_HEAD_TO_TYPE = {noun: kind for kind, nouns in _HEAD_NOUNS.items() for noun in nouns}
# A place in an order ("first", "101st", "first token"): a number, but never a count or amount.
ORDINAL = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b",
    re.IGNORECASE,
)
# Things made: "which model" or "what license" is not answered by the maker or owner of a
# named thing (fit.py). Not "app", "vaccine" or "service": a maker's name is often the
# thing's own ("AstraZeneca" for the vaccine).
_ARTIFACT_NOUNS = frozenset(
    _words(
        "model license licence encoder decoder backbone algorithm architecture mechanism "
        "technique method benchmark dataset chip processor gpu subscription tier framework "
        "accelerator optimizer report"
    )
)


def names_an_artifact(head: Sequence[str]) -> bool:
    """Whether the asked noun ("text backbone", "models") is a made thing."""
    if not head:
        return False
    word = head[-1].lower()
    return word in _ARTIFACT_NOUNS or (word.endswith("s") and word[:-1] in _ARTIFACT_NOUNS)


def head_noun_type(word: str) -> AnswerType | None:
    """The type a noun names ("lab": an organisation), singular or plural; None if unknown."""
    word = word.lower()
    kind = _HEAD_TO_TYPE.get(word)
    if kind is None and word.endswith("s"):
        kind = _HEAD_TO_TYPE.get(word[:-1])
    return kind


_MONEY_HINTS = re.compile(
    r"\b(cost|costs|pay|paid|pays|price|raise[sd]?|raising|worth|valu(ed|ation)|spend|spent|"
    r"fund(ing|ed)?|invest(ed|ment)?|sold|sell|revenue|fine[sd]?|dollars?|money|salary|budget|"
    r"billion|million)\b",
    re.IGNORECASE,
)
_DETERMINER = r"(?:which|what|this|these|whose)"
# "How quickly does it respond" asks for a duration, even where "when running ..." follows.
_HOW_MEASURE = (
    r"\bhow (old|long|far|big|large|tall|high|fast|quickly|soon|often|heavy|wide|deep|close)\b"
)
# "What is the total parameter count of ...": the copula's subject names what is asked for.
_WHAT_IS = r"what(?:'s| is| was| are| were| will be)(?: the| its| their| his| her| a| an)?"
# "What did training it cost?", "What did the model score?": the verb names the quantity.
_WHAT_VERB: tuple[tuple[re.Pattern[str], AnswerType], ...] = (
    (
        re.compile(
            r"^(?:.*\b)?what (?:do|does|did|will|would|could|can)\b.*\b(?:cost|pay|charge|"
            r"spend|earn|raise|fetch|sell for|go for)\b"
        ),
        AnswerType.MONEY,
    ),
    (
        re.compile(
            r"^(?:.*\b)?what (?:do|does|did|will|would|could|can)\b.*\b(?:score|reach|"
            r"measure|weigh|total|number)\b"
        ),
        AnswerType.NUMBER,
    ),
)
_NUMERIC_TYPES = frozenset(
    (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.DATE)
)
_STOP = frozenset(
    _words(
        "a an the in of on at for to with from by as and or is was are were be been did does do "
        "has had have will would can could said says that who whose whom which where when"
    )
)
# A name with digits ("o3-mini's", "gpt-4o") is one word: split, its parts took the phrase's
# four words before its noun ("o3-mini's output token limit").
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")


def expected_answer_type(question: str) -> AnswerType:
    """Guess the answer's type from the question's wh-word and the noun it governs."""
    q = " ".join(question.lower().replace("\u2019", "'").split())
    if re.search(r"\bhow (many|much)\b", q):
        if re.search(r"\bhow much\b", q) and _MONEY_HINTS.search(q):
            return AnswerType.MONEY
        if re.search(r"\bhow many (dollars|euros|pounds)\b", q):
            return AnswerType.MONEY
        return AnswerType.NUMBER
    if re.search(_HOW_MEASURE, q):
        return AnswerType.NUMBER
    if re.search(r"\bwhat (percentage|percent|share|proportion)\b", q):
        return AnswerType.PERCENT
    if _asks(q, "when") or re.search(r"\bwhat (year|date|day|month|time)\b", q):
        return AnswerType.DATE
    if _asks(q, "where"):
        return AnswerType.ORG if _WHERE_ONLINE.search(q) else AnswerType.PLACE
    if _PUBLIC_FIGURE.search(q):
        return AnswerType.PERSON
    if _ASKS_KIND.search(q):
        return AnswerType.THING
    head = _head_noun(q)
    if head is not None:
        return head
    verb = _what_verb(q)
    if verb is not None:
        return verb
    if re.search(r"\b(who|whom)\b", q):
        return AnswerType.PERSON
    if re.search(r"\bwhose\b", q):
        return AnswerType.PERSON
    return AnswerType.NAME if re.search(rf"\b{_DETERMINER}\b", q) else AnswerType.THING


# "What type of juice", "which breed of dog": a kind of thing, named by a common noun
# ("apple juice") at least as often as by a proper one.
_ASKS_KIND = re.compile(
    rf"\b{_DETERMINER}\s+(?:type|kind|sort|form|breed|species|variety|category)s?\s+of\b"
)

# "Where can developers download it?", "where is it available?": a service or platform to get
# it from (Hugging Face, an app store), not a place on a map.
_WHERE_ONLINE = re.compile(
    r"\bwhere\s+(?:can|could|do|does|will|should|may)\s+(?:\w+\s+){1,3}?(?:download|try|"
    r"access|stream|install|sign up for|subscribe to|watch|listen to|buy)\b|"
    r"\bwhere\s+(?:is|are|was|were)\s+.{1,60}\b(?:available|downloadable|hosted|streaming)\b"
)

# "Which public figure": a person, though a figure alone is a number.
_PUBLIC_FIGURE = re.compile(
    r"\b(?:public|political|famous|notable|prominent|well-known|historical|religious|sports|"
    r"iconic|key|world|cultural|royal|business|media|influential|controversial|leading|"
    r"legendary|beloved|powerful|polarizing|polarising|divisive|senior) figures?\b"
)

_TIME_WORDS = frozenset(
    _words("week weekend month year season summer fall autumn winter spring morning past time")
)


_AUXILIARY = (
    r"(?:did|does|do|is|was|were|are|will|would|has|have|had|can|could|should|might|must|'s)"
)


_OF_CHOICES = re.compile(r"^\s+of\s+(?:the\s+following|these|those)\b")

# Words that end a "which <noun>" phrase once its noun is found (past tenses too, by "-ed").
_PHRASE_ENDS = frozenset(
    _words("this that these those last next won wins says said made makes will hit hits")
)


def _asks(q: str, wh_word: str) -> bool:
    """Whether `wh_word` asks the question, rather than joins a clause ("... this week when
    the trailer came out, which film ..."): it opens a sentence or comes before a verb."""
    return bool(
        re.search(rf"(?:^|[.?!;:]\s+|,\s+|\b(?:and|or|but|since|until|by|from)\s+){wh_word}\b", q)
        or re.search(rf"\b{wh_word}\s+{_AUXILIARY}\b", q)
        or re.search(rf"\b{wh_word}\s*\?", q)
        or re.search(rf"\b{wh_word}\s+(?:last|this|next|earlier|recently)\b", q)
    )


def _head_noun(q: str) -> AnswerType | None:
    """Type of the noun phrase that which/what (then this/these) governs.

    The last known noun wins, so "which state official" is a person, except that an owner
    wins outright: "which city's mayor" asks for the city (as the news quizzes answer it).
    "What is the <noun> of" counts as "what <noun>", but there an owner is only a modifier:
    "what is the chatbot's fee" asks for the fee. "This week" and the like are times the
    question is set in, not what it asks for.
    """
    # "Whose" asks for an owner ("whose album": the artist), never for the thing owned.
    for determiners in (rf"(?P<copula>{_WHAT_IS})|which|what", r"this|these"):
        for match in re.finditer(rf"\b(?:{determiners})\b", q):
            # "Which of the following countries": the choices' noun, after the choosing words.
            rest = _OF_CHOICES.sub("", q[match.end() : match.end() + 80], count=1)
            words = _WORD.findall(rest[:60])[:4]
            first = words[0].removesuffix("'s") if words else ""
            if first in _TIME_WORDS and determiners == "this|these":
                continue  # "this week's ceremony" sets the time; it asks for nothing
            owned = match.groupdict().get("copula") is not None
            found = _phrase_type(words, owner_wins=not owned)
            if found is not None:
                return found
    return None


def _phrase_type(words: list[str], *, owner_wins: bool) -> AnswerType | None:
    found: AnswerType | None = None
    for word in words:
        if word in _STOP:
            break
        owner = word.endswith(("'s", "s'"))
        stem = word.removesuffix("'s").removesuffix("'")
        if owner and not owner_wins:
            continue
        kind = _HEAD_TO_TYPE.get(stem)
        if kind is None and stem.endswith("s"):
            plural = _HEAD_TO_TYPE.get(stem[:-1])
            # After a noun, "counts", "costs", "rates" are verbs ("which developer counts ..."),
            # while "officials" is still a noun.
            if plural is not None and not (found is not None and plural in _NUMERIC_TYPES):
                kind = plural
        if kind is not None and owner:
            return kind
        if kind is None and found is not None and (word in _PHRASE_ENDS or word.endswith("ed")):
            break  # the noun phrase has ended: "which company announced this week ..."
        if kind is None and word in _PHRASE_ENDS:
            break  # "which popular marathon this week": the time, not the thing asked for
        found = kind or found
    return found


def _what_verb(q: str) -> AnswerType | None:
    for pattern, kind in _WHAT_VERB:
        if pattern.search(q):
            return kind
    return None
