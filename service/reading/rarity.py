"""How common a candidate's words are in English, for the ranker.

A question's answer is seldom the most generic noun of its sentence: "which food ... ?" is
answered by "walnuts" far more often than by "products" or "people" beside it, and a name no
word list holds ("Umoja", "o3-mini") is likelier still. The frequencies are wordfreq's English
list (Zipf scale: log10 of uses per billion words, 0 where a word is not in the list), general
English rather than the index's own counts, so that a ranker fitted on one corpus reads the
same values on a deployment's corpus, and on every store. Its small list is used: the 0.3 s
and ~3 MB to load it against ~1 s and ~60 MB for the large one, which only adds rarer words.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words as wordfreq lists them: lower case, an apostrophe inside ("don't"), digits kept.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Zipf values run from 0 (not listed) to ~7.7 ("the").
_ZIPF_TOP = 8.0


@lru_cache(maxsize=65536)
def word_rarity(word: str) -> float:
    """1 - Zipf / 8: 0 for the commonest words, 1 for a word the list does not hold."""
    # Imported on first use (~0.2 s with ftfy and langcodes): commands that never read pay none.
    from wordfreq import zipf_frequency

    return 1.0 - min(zipf_frequency(word, "en", wordlist="small"), _ZIPF_TOP) / _ZIPF_TOP


def rarity(text: str) -> tuple[float, float]:
    """A candidate's (commonest word's rarity, mean rarity of its words); (1, 1) for none."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    if not words:
        return 1.0, 1.0
    values = [word_rarity(word) for word in words]
    return min(values), sum(values) / len(values)


# A word this rare (Zipf <= 2.4: under ~250 uses per billion words) names one thing: "qwq",
# "kyutai", not "championship" or "ukrainian".
_RARE = 0.7


def rare_words(text: str) -> tuple[str, ...]:
    """The words of `text` (lower case, three characters or more, a letter among them) that
    are rare in English."""
    words = dict.fromkeys(_WORD.findall(text.lower().replace("\u2019", "'")))
    return tuple(w for w in words if len(w) >= 3 and not w.isdigit() and word_rarity(w) >= _RARE)


def load_word_frequencies() -> None:
    """Loads the list (~0.3 s) now, at start-up, rather than in the first request."""
    word_rarity("the")
