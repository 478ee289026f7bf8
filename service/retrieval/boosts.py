"""Bonuses on fused scores: closeness in time, and outlets and days a question names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from indexer.types import ChunkRef
from service.retrieval.question import ParsedQuestion

_RECENCY_POOL = 10  # how many of the best candidates "latest" looks at for the newest date


@dataclass(frozen=True)
class Boosts:
    """How much each hint is worth, as shares of the fused scores' range."""

    time_boost: float = 1.0
    latest_boost: float = 0.25  # "latest", "recently": weaker, often descriptive
    recency_prior: float = 0.0
    recency_prior_days: float = 365.0
    outlet_boost: float = 0.5
    day_boost: float = 0.25
    day_decay_days: float = 3.0

    def apply(
        self, scores: dict[str, float], chunks: Mapping[str, ChunkRef], hints: ParsedQuestion
    ) -> dict[str, float]:
        """Adds bonuses for closeness in time and for outlets and days the question names.

        Bonuses are shares of the fused scores' range (from the lowest score or zero), which keeps
        each boost meaningful for rrf and score fusion alike and independent of how deep the
        legs were fetched. Undated chunks get no time bonus and keep their score.
        """
        timeframe, anchor = hints.timeframe, hints.anchor
        by_time = timeframe.recency or self.recency_prior > 0 or bool(hints.days)
        if not scores or not (by_time or hints.outlets):
            return scores
        # z-scores can be negative: measure from the lowest score then.
        scale = max(scores.values()) - min(0.0, min(scores.values())) or 1.0
        window = timeframe.window
        strength = self.time_boost if window is not None else self.latest_boost
        if timeframe.recency and window is None:
            # "latest": the newest of the most relevant candidates sets the target, so a barely
            # relevant newer chunk does not define what "latest" means.
            best = sorted(scores, key=lambda key: -scores[key])[:_RECENCY_POOL]
            dated = [chunks[key].published_at for key in best]
            newest = max((d for d in dated if d is not None and d <= anchor), default=None)
            window = (newest, newest) if newest is not None else None
        boosted = dict(scores)
        for key, score in scores.items():
            chunk = chunks[key]
            bonus = self.outlet_boost if chunk.source in hints.outlets else 0.0
            published = chunk.published_at
            if published is not None:
                if timeframe.recency and window is not None:
                    bonus += strength * _closeness(published, window, timeframe.decay_days)
                if self.recency_prior:
                    prior = _closeness(published, (anchor, anchor), self.recency_prior_days)
                    bonus += self.recency_prior * prior
                if hints.days:
                    nearest = max(
                        _closeness(published, (day, day), self.day_decay_days) for day in hints.days
                    )
                    bonus += self.day_boost * nearest
            if bonus:
                boosted[key] = score + bonus * scale
        return boosted


def _closeness(published: date, window: tuple[date, date], decay_days: float) -> float:
    """1 inside the window, halving every decay_days outside it."""
    start, end = window
    distance = (start - published).days if published < start else max(0, (published - end).days)
    return float(0.5 ** (distance / decay_days))
