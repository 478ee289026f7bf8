"""A question typed all in lower case, given back the capitals its names carry in the news.

Retrieval ignores case, but reading does not: the names a question gives ("Grok 3 mini",
"Microsoft") are found by their capitals, and so are the acronyms whose expansion is asked
("What does TabPFN stand for?"). People type "what did grok 3 mini score on aime 2024" in chat
and on phones; read as typed, the reader cannot tell whose score is asked. Where a question has
no capital past its first letter, each word takes the form the passages retrieved for it write
most often inside their sentences (a sentence's first word is capitalised whatever it is, so it
says nothing unless a capital stands inside it: "TabPFN"), and the question's first letter a
capital, as a question typed with care has.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from indexer.text.stopwords import QUERY_STOPWORDS

# A word of a question: letters and digits, joined by inner hyphens, dots or plus signs
# ("o3-mini", "gpt-4.5", "c++").
_WORD = re.compile(r"[^\W_][\w]*(?:[-.+][\w]+)*\+*")
# What comes just before a sentence's first word: the end of the one before, a line break.
_SENTENCE_END = re.compile(r"(?:[.!?]['\"\u201d\u2019)]*\s+|\n\s*|[:;]\s+['\"\u201c]?)$")


def needs_casing(question: str) -> bool:
    """Whether the question is typed without capitals past its first letter."""
    return not any(ch.isupper() for ch in question[1:])


def truecased(question: str, texts: Iterable[str]) -> str:
    """`question` with each word in the form `texts` write it most often mid-sentence, where
    the question has no capitals past its first letter; else the question as it is."""
    if not needs_casing(question):
        return question
    # Words such as "what" and "the" are never names, and the passages are full of them.
    words = {m.group().lower() for m in _WORD.finditer(question)} - QUERY_STOPWORDS
    usual = _usual_forms(words, texts) if words else {}
    cased = _WORD.sub(lambda m: usual.get(m.group().lower(), m.group()), question)
    return cased[:1].upper() + cased[1:]


def _usual_forms(words: set[str], texts: Iterable[str]) -> dict[str, str]:
    """For each of `words` (lower case), the form `texts` write most often inside a sentence,
    where that form has a capital and no lower-case form is as common. One scan of each text
    for all the words: this runs for every question typed in lower case."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.+-])(?:{alternatives})(?![\w+]|[-.+]\w)", re.IGNORECASE)
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for found in pattern.finditer(text):
            form = found.group()
            # A sentence's first word is capitalised whatever it is; a capital inside the
            # word ("TabPFN", "OpenAI") still says it is a name.
            if not _starts_sentence(text, found.start()) or form[1:] != form[1:].lower():
                forms.setdefault(form.lower(), Counter())[form] += 1
    usual = {}
    for word, counts in forms.items():
        form, count = counts.most_common(1)[0]
        if form != form.lower() and count > counts.get(word, 0):
            usual[word] = form
    return usual


def _starts_sentence(text: str, start: int) -> bool:
    return start == 0 or _SENTENCE_END.search(text[max(0, start - 8) : start]) is not None
