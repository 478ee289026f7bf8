"""The reader's time features: the asked period's fit and recency among the articles read."""

from __future__ import annotations

from datetime import date

import pytest

from service.reading.asked import read_question
from service.reading.timing import (
    NEUTRAL,
    RECENCY_HALF_LIFE_DAYS,
    date_fit,
    goes_back_in_time,
    recency,
    staleness,
)
from service.retrieval.timeframes import resolve_timeframe


def test_the_newest_article_read_is_fully_recent() -> None:
    assert recency(date(2026, 3, 10), date(2026, 3, 10)) == 1.0


def test_recency_halves_every_half_life_before_the_newest() -> None:
    newest = date(2026, 3, 31)
    one = recency(date.fromordinal(newest.toordinal() - int(RECENCY_HALF_LIFE_DAYS)), newest)
    two = recency(date.fromordinal(newest.toordinal() - 2 * int(RECENCY_HALF_LIFE_DAYS)), newest)
    assert one == pytest.approx(0.5)
    assert two == pytest.approx(0.25)


def test_an_undated_article_or_reading_is_neutral() -> None:
    assert recency(None, date(2026, 3, 10)) == NEUTRAL
    assert recency(date(2026, 3, 10), None) == NEUTRAL


def test_an_article_after_the_newest_never_counts_as_more_than_recent() -> None:
    # Cannot happen within one reading, but a caller's reference date may be earlier.
    assert recency(date(2026, 4, 1), date(2026, 3, 1)) == 1.0


def test_date_fit_prefers_the_asked_week() -> None:
    frame = resolve_timeframe("Which startup raised money this week?", date(2026, 3, 13))
    inside = date_fit(date(2026, 3, 11), frame, None)
    months_before = date_fit(date(2025, 12, 1), frame, None)
    assert inside == 1.0
    assert months_before < 0.1


def test_date_fit_is_neutral_without_time_words() -> None:
    frame = resolve_timeframe("Which startup raised money?", date(2026, 3, 13))
    assert date_fit(date(2026, 3, 11), frame, None) == NEUTRAL


def test_staleness_grows_with_the_days_before_as_of() -> None:
    as_of = date(2026, 3, 13)
    same_day, dated = staleness(as_of, as_of)
    week, _ = staleness(date(2026, 3, 6), as_of)
    years, _ = staleness(date(2018, 3, 13), as_of)
    assert (same_day, dated) == (0.0, 1.0)
    assert 0.0 < week < years
    assert years == pytest.approx(1.0, abs=0.05)  # scaled to ~1 at eight years


def test_staleness_needs_both_dates() -> None:
    assert staleness(None, date(2026, 3, 13)) == (0.0, 0.0)
    assert staleness(date(2026, 3, 13), None) == (0.0, 0.0)


def test_an_as_of_goes_back_in_time_only_before_the_newest_article_indexed() -> None:
    newest = date(2026, 4, 14)
    assert goes_back_in_time(date(2026, 4, 13), newest)  # it leaves out the newest news
    assert not goes_back_in_time(newest, newest)  # it leaves out nothing: asked now
    assert not goes_back_in_time(date(2026, 12, 7), newest)
    assert not goes_back_in_time(None, newest)
    assert goes_back_in_time(date(2026, 12, 7), None)  # the newest unknown: taken as given


def test_a_question_asked_now_has_no_day_to_be_stale_against() -> None:
    newest = date(2026, 4, 14)
    back = read_question("Who leads the lab?", date(2026, 3, 1), newest)
    now = read_question("Who leads the lab?", date(2026, 12, 7), newest)
    assert back.asked_then == date(2026, 3, 1)
    assert now.asked_then is None
    # Its time words still count back from the asker's day.
    assert now.as_of == date(2026, 12, 7)
    assert now.timeframe == resolve_timeframe("Who leads the lab?", date(2026, 12, 7))
