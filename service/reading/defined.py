"""What a named thing is: "What is Muse Spark?", "Who is Alexandr Wang?".

Such a question names what it asks about and nothing else, and its answer is a description,
not another name: "a large AI model" of "Meta has introduced Muse Spark, a large AI model that
...", "the head of Superintelligence Labs" of "Alexandr Wang is the head of Superintelligence
Labs, a group that ...". Read as a question for a name, the ranker puts the maker or a name
near it first ("Meta"). Here the description a sentence gives the name, in apposition after
it or after "is", is a candidate of its own (`ExtractiveReader._spans`), and the best-ranked
one answers (`answer_forms.in_asked_form`).
"""

from __future__ import annotations

import re

from service.reading.answer_types import AnswerType, head_noun_type
from service.reading.spans import Span

# "What is X?", "who's X": the wh-word, the verb, then a name alone of up to six words.
_ASKS = re.compile(
    r"^\s*(?:what|who)(?:'s|\u2019s|\s+is|\s+was|\s+are|\s+were)\s+(?P<name>[^?]+?)\s*\??\s*$",
    re.IGNORECASE,
)
_MAX_NAME_WORDS = 6
# A word of a name: capitalised, or holding a digit ("o3-mini"), or a possessive's owner.
_NAME_WORD = re.compile(r"^(?:[A-Z][\w.+&-]*|[\w.+-]*\d[\w.+-]*)(?:'s|\u2019s)?\+?$")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
# The owner of "Meta's Muse Spark": sentences often name the thing without it.
_OWNER = re.compile(r"^[^\s]+(?:'s|\u2019s)\s+")

# What a description opens with: an article, "one of", or an owner ("Meta's", "its").
_OPENS = r"(?:a|an|the|one of|its|their|his|her|[A-Z][\w.&-]*(?:'s|\u2019s))\s"
# Where it ends: a clause's punctuation, or a relative or participle clause that describes on.
_ENDS = re.compile(
    r"[,;:.()\u2014]|\s(?:that|which|who|whose|where|when|while|with|meant|set|built|made|"
    r"designed|used|released|launched|announced|presented|unveiled|created|developed|and)\s"
)
_MAX_WORDS = 12
# A role before a name: its noun, the words that qualify it, and the organisation's name.
_WORD_BEFORE = re.compile(r"[\w.&'\u2019+-]+")
_ROLE_WORDS = 5
_ROLE_MODIFIERS = frozenset({
    "vice", "deputy", "senior", "former", "acting", "interim", "co", "managing", "general",
    "principal", "lead", "national", "security", "technology", "operating", "financial",
    "science", "research",
})  # fmt: skip
_ARTICLES = frozenset({"the", "a", "an"})
# In apposition after the name, or after a verb that says what it is.
_LEADS = tuple(
    re.compile(rf"{lead}(?P<open>{_OPENS})")
    for lead in (r",\s+", r"\s+(?:is|was|are|were|remains|became|becomes)\s+")
)


def defined_name(question: str) -> str:
    """The name a question asks what or who it is ("Muse Spark" of "What is Muse Spark?"),
    without a leading article; "" where the question asks anything else."""
    found = _ASKS.match(question)
    if found is None:
        return ""
    name = _LEADING_ARTICLE.sub("", found.group("name").strip())
    words = name.split()
    if not 0 < len(words) <= _MAX_NAME_WORDS:
        return ""
    named = [w for w in words if w.lower() not in {"of", "and", "for", "the", "on", "in"}]
    if not named or not all(_NAME_WORD.match(w) for w in named):
        return ""
    # "Who is the CEO of OpenAI?", "Who is Apple's CEO?", "What is the dictionary's Word of the
    # Year?" ask for what fills a role or a title, not what the role is.
    owned = _OWNER.sub("", name) if _OWNER.match(name) else ""
    role = head_noun_type(named[0]) == AnswerType.PERSON and " of " in f" {name} "
    titled = " of the " in f" {name.lower()} " or bool(owned and head_noun_type(owned.split()[0]))
    return "" if role or titled else name


def description_spans(sentence: str, name: str) -> list[Span]:
    """The descriptions `sentence` gives `name` (or the name without its owner): in
    apposition right after it, after "is" and the like, or a role right before it ("OpenAI
    chief executive Sam Altman"); typed THING."""
    spans: dict[tuple[int, int], Span] = {}
    for form in {name, _OWNER.sub("", name)}:
        for at in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", sentence):
            for lead in _LEADS:
                opened = lead.match(sentence, at.end())
                span = _description(sentence, opened.start("open")) if opened else None
                if span is not None:
                    spans[(span.start, span.end)] = span
            role = _role_before(sentence, at.start())
            if role is not None:
                spans[(role.start, role.end)] = role
    return list(spans.values())


def _role_before(sentence: str, start: int) -> Span | None:
    """The role written just before a person's name, with the organisation it is held at:
    "OpenAI chief executive" of "OpenAI chief executive Sam Altman", "Vice President" of "Vice
    President JD Vance"; None where no role noun stands right before the name."""
    words = list(_WORD_BEFORE.finditer(sentence, max(0, start - 80), start))
    first = None
    for place in range(len(words) - 1, max(-1, len(words) - 1 - _ROLE_WORDS), -1):
        word, after = words[place], (words[place + 1].start() if place + 1 < len(words) else start)
        if sentence[word.end() : after].strip():
            break  # a comma or a bracket: the phrase before the name has ended
        text = word.group()
        if first is None and head_noun_type(text) != AnswerType.PERSON:
            return None  # the word before the name is no role
        if first is not None and not (
            head_noun_type(text) == AnswerType.PERSON
            or text.lower() in _ROLE_MODIFIERS
            or (text[0].isupper() and text.lower() not in _ARTICLES)
        ):
            break
        first = place
    if first is None:
        return None
    begin, end = words[first].start(), words[-1].end()
    return Span(begin, end, sentence[begin:end], AnswerType.THING, origin="description")


def _description(sentence: str, start: int) -> Span | None:
    """The description opening at `start`, up to its clause's end; None where it runs past
    a few words or is a single word ("a")."""
    rest = sentence[start:]
    stop = _ENDS.search(rest)
    text = (rest[: stop.start()] if stop else rest).rstrip()
    words = text.split()
    if not 2 <= len(words) <= _MAX_WORDS:
        return None
    return Span(start, start + len(text), text, AnswerType.THING, origin="description")
