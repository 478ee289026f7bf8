"""Bonuses on fused scores: how much a time phrase is worth with and without the asker's date,
the years a question names, and "latest" pinned to the newest matching story."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.types import ChunkRef
from service.retrieval.boosts import Boosts
from service.retrieval.question import ParsedQuestion, parse_question

TODAY = date(2025, 4, 10)


def _refs(*dated: tuple[str, date | None]) -> dict[str, ChunkRef]:
    return {
        key: ChunkRef(position, key, key.split("#")[0], "Wire", published)
        for position, (key, published) in enumerate(dated)
    }


def _hints(question: str, *, anchored: bool = True) -> ParsedQuestion:
    return parse_question(question, TODAY, anchored=anchored)


def _gain(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in before}


def test_this_week_from_the_askers_date_can_overturn_a_clear_match() -> None:
    scores = {"old#0": 2.0, "week#0": 1.0}
    refs = _refs(("old#0", date(2024, 1, 5)), ("week#0", date(2025, 4, 8)))
    boosted = Boosts().apply(scores, refs, _hints("Which startup raised money this week?"))
    assert boosted["week#0"] > boosted["old#0"]
    assert _gain(scores, boosted)["week#0"] == pytest.approx(1.0 * 2.0)  # time_boost x range


def test_this_week_without_the_askers_date_only_breaks_ties() -> None:
    question = "Which startup raised money this week?"
    refs = _refs(
        ("old#0", date(2024, 1, 5)), ("week#0", date(2025, 4, 8)), ("tied#0", date(2024, 2, 1))
    )
    clear = {"old#0": 2.0, "week#0": 1.0, "tied#0": 1.0}
    boosted = Boosts().apply(clear, refs, _hints(question, anchored=False))
    assert boosted["old#0"] > boosted["week#0"]  # the clear match stands ...
    assert boosted["week#0"] > boosted["tied#0"]  # ... and this week's story wins the tie
    assert _gain(clear, boosted)["week#0"] == pytest.approx(0.1 * 2.0)


def test_latest_keeps_its_weight_without_the_askers_date() -> None:
    scores = {"older#0": 2.0, "newer#0": 1.9}
    refs = _refs(("older#0", date(2024, 1, 5)), ("newer#0", date(2024, 9, 1)))
    for anchored in (True, False):
        hints = _hints("What is the latest chip from Vexa?", anchored=anchored)
        boosted = Boosts().apply(scores, refs, hints)
        assert _gain(scores, boosted)["newer#0"] == pytest.approx(0.25 * 2.0)


def test_latest_is_pinned_to_the_newest_relevant_story_not_after_the_anchor() -> None:
    refs = _refs(
        ("a#0", date(2024, 6, 1)),
        ("b#0", date(2025, 2, 1)),
        ("future#0", date(2025, 5, 1)),  # after the anchor: not "latest" as of then
        ("undated#0", None),
    )
    scores = {"a#0": 3.0, "b#0": 2.0, "future#0": 2.5, "undated#0": 2.8}
    timeframe = Boosts().resolve(scores, refs, _hints("What did Vexa most recently ship?"))
    assert timeframe.kind == "latest" and timeframe.window == (date(2025, 2, 1), date(2025, 2, 1))
    assert timeframe.fit(date(2025, 2, 1)) == 1.0
    plain = _hints("What did Vexa ship?")
    assert Boosts().resolve(scores, refs, plain) == plain.timeframe  # no phrase, nothing pinned


def test_a_named_year_lifts_that_years_articles_and_fades_with_distance() -> None:
    refs = _refs(
        ("in#0", date(2020, 10, 9)),
        ("near#0", date(2021, 1, 20)),
        ("far#0", date(2023, 10, 6)),
        ("undated#0", None),
    )
    scores = {"far#0": 1.0, "near#0": 0.85, "in#0": 0.8, "undated#0": 0.95}
    hints = _hints("Who won the 2020 Nobel Peace Prize?")
    assert hints.years == (2020,)
    boosted = Boosts(year_boost=0.5).apply(scores, refs, hints)
    gains = _gain(scores, boosted)
    assert gains["in#0"] == pytest.approx(0.5 * 1.0)
    assert gains["in#0"] > gains["near#0"] > gains["far#0"] > 0
    assert gains["undated#0"] == 0.0
    assert max(boosted, key=boosted.__getitem__) == "in#0"
    assert Boosts(year_boost=0.0).apply(scores, refs, hints) == scores  # off means off


def test_a_period_filters_and_earns_no_year_bonus() -> None:
    hints = _hints("Which model was released in 2020?")
    assert hints.timeframe.kind == "period" and hints.years == ()
