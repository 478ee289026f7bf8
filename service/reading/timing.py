"""Time words in reading: which candidate's article fits "this week", "last month", "latest".

Retrieval already boosts articles near the question's time frame; reading weighs it again per
candidate, because the sentences read come from several weeks and the one from the asked week
holds the answer ("Which company recalled cars this week?" asked as of a date: not the recall
of three months before). The time frame is `service.retrieval.timeframes.resolve_timeframe`'s,
resolved against as_of (today where the question has no as_of), as retrieval resolves it.

Whatever the question's words, two more measures of an article's age: how much older it is
than the newest article read (recency), and than the asker's as_of where that goes back in
time (staleness).
"""

from __future__ import annotations

import math
from datetime import date

from service.retrieval.timeframes import Timeframe

# Where an article has no date, or the question names no time: neither for nor against.
NEUTRAL = 0.5


def date_fit(published: date | None, timeframe: Timeframe | None, newest: date | None) -> float:
    """1.0 for an article inside the asked period (or the newest read, for "latest"), halving
    every `decay_days` outside it; NEUTRAL where the question or the article has no date."""
    if published is None or timeframe is None or timeframe.is_empty:
        return NEUTRAL
    if timeframe.range is not None:
        start, end = timeframe.range
        inside = (start is None or published >= start) and (end is None or published <= end)
        return 1.0 if inside else 0.0
    if timeframe.window is not None:
        start, end = timeframe.window
        outside = (start - published).days if published < start else (published - end).days
        return 1.0 if outside <= 0 else math.pow(2.0, -outside / timeframe.decay_days)
    if newest is None:  # "latest": the newest article read is the one meant
        return NEUTRAL
    return math.pow(2.0, -max(0, (newest - published).days) / timeframe.decay_days)


# News answers age: of two stories that match, the newer is likelier the one asked about.
RECENCY_HALF_LIFE_DAYS = 30.0


# log1p(days) / this: ~1.0 for an article eight years older than the asker's date.
_STALE_SCALE = 8.0


def goes_back_in_time(as_of: date | None, newest_indexed: date | None) -> bool:
    """Whether the asker's as_of sends the question back in time: to a day before the newest
    article indexed, whose news it leaves out. The asker then asks what was news that day, as
    a news quiz does. A day on or after it leaves nothing out, and the question is asked now:
    a story months older than today's date is no weaker for it, and is read as without a date.
    Where the newest article's date is unknown, every as_of goes back."""
    return as_of is not None and (newest_indexed is None or as_of < newest_indexed)


def staleness(published: date | None, as_of: date | None) -> tuple[float, float]:
    """(stale, dated): how long before the asker's date the article appeared, log1p(days)
    scaled to ~1 at eight years, and whether both dates are known (else (0, 0)). Evidence
    from long before the asked date is weak evidence of what was news then, and with an
    as_of the asker says when "then" is; the ranker and the confidence maps read both."""
    if published is None or as_of is None:
        return 0.0, 0.0
    return math.log1p(max(0, (as_of - published).days)) / _STALE_SCALE, 1.0


def recency(published: date | None, newest: date | None) -> float:
    """How recent the article is among those read, whatever the question's words: 1.0 for
    the newest, halving every RECENCY_HALF_LIFE_DAYS before it; NEUTRAL where undated."""
    if published is None or newest is None:
        return NEUTRAL
    return math.pow(2.0, -max(0, (newest - published).days) / RECENCY_HALF_LIFE_DAYS)
