"""`newsqa bench names`: does a question that gives a name and nothing else find its article?

"Who is JD Vance?", "What is Project Digits?": people ask about a name they met in the news.
Such a question has one or two rare words and nothing more, so the keyword leg holds the few
articles that name it and the dense leg, which knows no such names, ranks by what the question
looks like. The names are taken from the articles themselves: every run of two or three
capitalised words (a digit may follow) that exactly one article of the corpus writes, not at a
sentence's start. Each is asked as "What is X?" of the index built from that corpus; the figure
is how often that article is first, and among the first five and ten (de-duplicated copies of
it count: the index keeps the best-ranked copy).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.index import host_info
from indexer.types import Article
from service.config import Settings

# Words that open a sentence or a clause in capitals without being part of a name.
_OPENERS = (
    "The", "A", "An", "In", "On", "It", "Its", "At", "For", "But", "As", "With", "By", "This",
    "That", "Based", "And", "Or", "If", "When", "While", "After", "Before", "Under", "Since",
)  # fmt: skip
# Two or three words in capitals, none of them an opener; a number or a version may come last
# ("Gemma 3").
_NAME = re.compile(
    rf"(?<![\w.'-])(?!(?:{'|'.join(_OPENERS)})\b)[A-Z][\w+-]*"
    r"(?: [A-Z0-9][\w+.-]*){1,2}(?![\w'-])"
)
_CUTOFFS = (1, 5, 10)


def unique_names(articles: Iterable[Article]) -> dict[str, str]:
    """Each name exactly one article writes, with that article's id."""
    holders: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        for found in _NAME.finditer(article.text):
            holders[found.group().rstrip(".")].add(article.id)
    return {name: next(iter(ids)) for name, ids in sorted(holders.items()) if len(ids) == 1}


def run_names_benchmark(
    index_dir: Path, articles: Sequence[Article], *, limit: int, seed: int = 7
) -> dict[str, Any]:
    """Hit@1/5/10 of "What is X?" for up to `limit` names drawn from `articles`."""
    from service.engine import QAEngine

    names = unique_names(articles)
    drawn = sorted(random.Random(seed).sample(sorted(names), min(limit, len(names))))
    if not drawn:
        raise ValueError("no name is written by exactly one article of the corpus")
    engine = QAEngine(Settings(index_dir=index_dir))
    engine.warm_up()
    index = engine.index
    if index is None:
        raise ValueError(f"no index in {index_dir}")

    def canonical(article_id: str) -> str:
        return index.canonical_id(article_id) or article_id

    hits = dict.fromkeys(_CUTOFFS, 0)
    for name in drawn:
        found = engine.search(f"What is {name}?", top_k=max(_CUTOFFS)).results
        ranked = [canonical(hit.article_id) for hit in found]
        wanted = canonical(names[name])
        for cutoff in _CUTOFFS:
            hits[cutoff] += wanted in ranked[:cutoff]
    return {
        "config": {"index": str(index_dir), "names": len(drawn), "of": len(names), "seed": seed},
        # Shares only: the names are the corpus's words, and a shared corpus's stay out of here.
        "hit_at": {str(k): round(v / len(drawn), 4) for k, v in hits.items()},
        "machine": host_info(),
    }
