"""Words of questions and sentences as the reader compares them: stemmed, stop words out."""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.text.stopwords import READER_STOPWORDS

WORD = re.compile(r"[\w'\u2019-]+")


# Irregular verbs that news questions and answers use in different tenses.
_IRREGULAR = {
    "led": "lead", "leads": "lead", "leading": "lead", "ran": "run", "runs": "run",
    "won": "win", "wins": "win", "bought": "buy", "buys": "buy", "sold": "sell", "sells": "sell",
    "paid": "pay", "pays": "pay", "made": "make", "makes": "make", "took": "take",
    "takes": "take", "became": "become", "becomes": "become", "left": "leave",
    "leaves": "leave", "founded": "found", "founds": "found", "hit": "hit", "hits": "hit",
}  # fmt: skip
IRREGULAR_VERB_FORMS = frozenset(_IRREGULAR) - {"hit", "hits", "left", "leaves", "runs", "wins"}


# Both are pure and meet the same words and sentences over and over (the passages of popular
# stories): cached, they were ~6% of a worker's CPU under load less (py-spy).
@lru_cache(maxsize=1 << 14)
def stem(word: str) -> str:
    """A light, deterministic stem: enough to match "raised" with "raise" and "companies"."""
    # "Dunkin'" and "companies'" as well as "Musk's": a possessive never changes the word.
    word = word.removesuffix("'s").removesuffix("\u2019s").rstrip("'\u2019")
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
    return frozenset(
        stem(word) for word in WORD.findall(text.lower()) if word not in READER_STOPWORDS
    )


def question_words(question: str) -> frozenset[str]:
    """Every stemmed word of the question, stop words included ("US", "who")."""
    return frozenset(stem(word) for word in WORD.findall(question.lower()))


def question_overlap(span_text: str, question_words: frozenset[str]) -> float:
    """Share of the span's words that the question already says (0 = all new)."""
    words = [stem(w) for w in WORD.findall(span_text.lower())]
    content = [w for w in words if w not in READER_STOPWORDS] or words
    if not content:
        return 0.0
    return sum(word in question_words for word in content) / len(content)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s]")


def candidate_key(text: str) -> str:
    """What makes two candidate strings one answer: lower case, punctuation as spaces, no
    articles ("GPT-4o" and "GPT 4o" merge). Eval scores with `eval.metrics`' SQuAD rule."""
    text = _PUNCT.sub(" ", text.lower().replace("\u2019", "'"))
    return " ".join(_ARTICLES.sub(" ", text).split())


# Abbreviations a capitalised run may hold with their full stop (a single letter and a dotted
# initialism, "U.S.", never end a sentence either).
ABBREVIATIONS = frozenset(
    {
        "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Co", "No", "Mt", "Ft", "Sen", "Rep", "Gov",
        "Gen", "Col", "Capt", "Sgt", "Lt", "Prof", "Inc", "Corp", "Ltd", "Bros", "Ave", "Blvd",
        "Dept", "Univ", "Jan", "Feb", "Mar", "Apr", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    }
)  # fmt: skip
