"""Bonuses on fused scores: closeness in time, and outlets, days and years a question names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from indexer.types import ChunkRef
from service.retrieval.question import ParsedQuestion
from service.retrieval.timeframes import Timeframe, closeness

_RECENCY_POOL = 10  # how many of the best candidates "latest" looks at for the newest date


@dataclass(frozen=True)
class Boosts:
    """How much each hint is worth, as shares of the fused scores' range.

    A relative phrase ("this week", "in March") is worth `time_boost` against the asker's own
    date, but only `unanchored_time_boost` against today's when no as_of was given: a question
    may be older than the day it is asked, so such a phrase breaks ties among matching stories
    and does not override a clear match. "latest" is measured among the matching stories
    themselves, so it keeps its weight either way.
    """

    time_boost: float = 1.0
    latest_boost: float = 0.25  # "latest", "recently": weaker, often descriptive
    unanchored_time_boost: float = 0.1
    recency_prior: float = 0.0
    recency_prior_days: float = 365.0
    outlet_boost: float = 0.5
    day_boost: float = 0.25
    day_decay_days: float = 3.0
    year_boost: float = 0.0
    year_decay_days: float = 90.0

    def resolve(
        self, scores: Mapping[str, float], chunks: Mapping[str, ChunkRef], hints: ParsedQuestion
    ) -> Timeframe:
        """The question's time frame with "latest" pinned to the newest matching story's day.

        The newest of the most relevant candidates sets the target, so a barely relevant newer
        chunk does not define what "latest" means; nothing after the anchor counts.
        """
        timeframe = hints.timeframe
        if not timeframe.latest or not scores:
            return timeframe
        best = sorted(scores, key=lambda key: -scores[key])[:_RECENCY_POOL]
        dated = [chunks[key].published_at for key in best]
        newest = max((d for d in dated if d is not None and d <= hints.anchor), default=None)
        return replace(timeframe, window=(newest, newest)) if newest is not None else timeframe

    def apply(
        self, scores: dict[str, float], chunks: Mapping[str, ChunkRef], hints: ParsedQuestion
    ) -> dict[str, float]:
        """Adds bonuses for closeness in time and for outlets, days and years the question names.

        Bonuses are shares of the fused scores' range (from the lowest score or zero), which keeps
        each boost meaningful for rrf and score fusion alike and independent of how deep the
        legs were fetched. Undated chunks get no time bonus and keep their score. Pass `hints`
        with the time frame `resolve` returned, or "latest" is resolved here.
        """
        timeframe, anchor = hints.timeframe, hints.anchor
        years = hints.years if self.year_boost else ()
        by_time = timeframe.recency or self.recency_prior > 0 or bool(hints.days) or bool(years)
        if not scores or not (by_time or hints.outlets):
            return scores
        if timeframe.latest and timeframe.window is None:
            timeframe = self.resolve(scores, chunks, hints)
        # z-scores can be negative: measure from the lowest score then.
        scale = max(scores.values()) - min(0.0, min(scores.values())) or 1.0
        window = timeframe.window if timeframe.recency else None
        strength = self._time_strength(timeframe)
        boosted = dict(scores)
        for key, score in scores.items():
            chunk = chunks[key]
            bonus = self.outlet_boost if chunk.source in hints.outlets else 0.0
            published = chunk.published_at
            if published is not None:
                if window is not None:
                    bonus += strength * closeness(published, window, timeframe.decay_days)
                if self.recency_prior:
                    prior = closeness(published, (anchor, anchor), self.recency_prior_days)
                    bonus += self.recency_prior * prior
                if hints.days:
                    nearest = max(
                        closeness(published, (day, day), self.day_decay_days) for day in hints.days
                    )
                    bonus += self.day_boost * nearest
                if years:
                    bonus += self.year_boost * max(
                        closeness(published, (date(y, 1, 1), date(y, 12, 31)), self.year_decay_days)
                        for y in years
                    )
            if bonus:
                boosted[key] = score + bonus * scale
        return boosted

    def _time_strength(self, timeframe: Timeframe) -> float:
        if timeframe.latest:
            return self.latest_boost
        if timeframe.anchored:
            return self.time_boost
        return min(self.time_boost, self.unanchored_time_boost)
