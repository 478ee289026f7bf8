"""What a question says besides its words, read once: its time frame, the outlets and days it
names, and the content words the keyword leg searches for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from indexer.text.stopwords import QUERY_STOPWORDS
from service.retrieval.outlets import OutletMatcher
from service.retrieval.timeframes import Timeframe, mentioned_days, resolve_timeframe, strip_phrase

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ParsedQuestion:
    """A question's hints for retrieval (see `parse_question`)."""

    timeframe: Timeframe
    anchor: date  # what "this week" and the recency prior are measured from
    outlets: frozenset[str] = frozenset()
    days: tuple[date, ...] = ()
    keyword_text: str = ""  # content words for bm25, the time phrase left out


def parse_question(
    question: str,
    anchor: date,
    *,
    outlets: OutletMatcher | None = None,
    with_days: bool = True,
    with_keywords: bool = True,
) -> ParsedQuestion:
    """Everything retrieval reads from a question, in one place."""
    timeframe = resolve_timeframe(question, anchor)
    return ParsedQuestion(
        timeframe=timeframe,
        anchor=anchor,
        outlets=outlets.mentioned(question) if outlets else frozenset(),
        days=mentioned_days(question) if with_days else (),
        keyword_text=keyword_query(strip_phrase(question, timeframe)) if with_keywords else "",
    )


def keyword_query(question: str) -> str:
    """The question's content words for bm25: no punctuation, question words or stopwords."""
    words = [w for w in WORD.findall(question) if w.lower() not in QUERY_STOPWORDS and w != "_"]
    return " ".join(words)
