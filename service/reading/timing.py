"""Time words in reading: which candidate's article fits "this week", "last month", "latest".

Retrieval already boosts articles near the question's time frame; reading weighs it again per
candidate, because the sentences read come from several weeks and the one from the asked week
holds the answer ("Which company recalled cars this week?" asked as of a date: not the recall
of three months before). The time frame is `service.retrieval.timeframes.resolve_timeframe`'s,
resolved against as_of (today where the question has no as_of), as retrieval resolves it.
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
