"""Time phrases resolved against as_of: explicit periods filter, relative phrases boost."""

from __future__ import annotations

from datetime import date

import pytest

from service.timeframes import Timeframe, mentioned_days, resolve_timeframe, strip_phrase

AS_OF = date(2025, 4, 10)  # a Thursday


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which lab released a model in 2024?", (date(2024, 1, 1), date(2024, 12, 31))),
        ("What did Mistral ship in March 2025?", (date(2025, 3, 1), date(2025, 3, 31))),
        ("What happened during Sept. 2023 at the summit?", (date(2023, 9, 1), date(2023, 9, 30))),
        ("Who raised money in February 2024?", (date(2024, 2, 1), date(2024, 2, 29))),
        ("Which funding rounds closed in May 2024?", (date(2024, 5, 1), date(2024, 5, 31))),
        ("What has changed since 2023?", (date(2023, 1, 1), None)),
        ("What was announced after 2023?", (date(2024, 1, 1), None)),
        ("Which chips shipped before 2020?", (None, date(2019, 12, 31))),
    ],
)
def test_explicit_periods_become_exact_ranges(
    question: str, expected: tuple[date | None, date | None]
) -> None:
    timeframe = resolve_timeframe(question, AS_OF)
    assert timeframe.range == expected
    assert not timeframe.recency
    assert timeframe.phrase is not None and timeframe.phrase in question


@pytest.mark.parametrize(
    ("question", "window"),
    [
        ("Which startup was acquired this week?", (date(2025, 4, 4), date(2025, 4, 10))),
        ("Who resigned last week?", (date(2025, 3, 28), date(2025, 4, 3))),
        ("What launched this month?", (date(2025, 4, 1), date(2025, 4, 10))),
        ("Which bill passed last month?", (date(2025, 3, 1), date(2025, 3, 31))),
        ("How much was raised this year?", (date(2025, 1, 1), date(2025, 4, 10))),
        ("What did the FTC say yesterday?", (date(2025, 4, 9), date(2025, 4, 9))),
        ("What is the news today?", (date(2025, 4, 10), date(2025, 4, 10))),
        ("Which merger was announced in December?", (date(2024, 12, 1), date(2024, 12, 31))),
    ],
)
def test_relative_phrases_boost_towards_a_window(question: str, window: tuple[date, date]) -> None:
    timeframe = resolve_timeframe(question, AS_OF)
    assert timeframe.recency
    assert timeframe.range is None
    assert timeframe.window == window


@pytest.mark.parametrize(
    "question", ["What is the latest model?", "Who most recently led the company?", "recently?"]
)
def test_recency_words_ask_for_the_newest(question: str) -> None:
    timeframe = resolve_timeframe(question, AS_OF)
    assert timeframe.recency and timeframe.window is None and timeframe.range is None


def test_last_month_in_january_is_last_december() -> None:
    timeframe = resolve_timeframe("what happened last month", date(2025, 1, 15))
    assert timeframe.window == (date(2024, 12, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2024 election?",  # a year naming an event is not a period
        "Which model may beat GPT-4 in benchmarks?",  # "may" alone is a verb
        "What did the 2020-21 season show?",
        "Who founded Anthropic?",
    ],
)
def test_questions_without_a_period_resolve_to_nothing(question: str) -> None:
    timeframe = resolve_timeframe(question, AS_OF)
    assert timeframe == Timeframe()
    assert timeframe.is_empty
    assert strip_phrase(question, timeframe) == question


def test_explicit_period_wins_over_a_recency_word() -> None:
    timeframe = resolve_timeframe("What was the latest release in 2023?", AS_OF)
    assert timeframe.range == (date(2023, 1, 1), date(2023, 12, 31))


def test_strip_phrase_removes_only_the_matched_words() -> None:
    question = "Which company this week bought a chip startup?"
    stripped = strip_phrase(question, resolve_timeframe(question, AS_OF))
    assert "week" not in stripped
    assert stripped.split() == ["Which", "company", "bought", "a", "chip", "startup?"]


@pytest.mark.parametrize(
    ("question", "days"),
    [
        (
            "After TechCrunch reported on October 31, 2023, and again on Dec. 15 2023, ...?",
            (date(2023, 10, 31), date(2023, 12, 15)),
        ),
        ("What was said on 3rd March 2024?", (date(2024, 3, 3),)),
        ("Filed 2024-02-29, refiled 2024-02-30 (no such day)", (date(2024, 2, 29),)),
        ("May 5, 2021 and again May 5, 2021", (date(2021, 5, 5),)),
        ("What happened in March 2024?", ()),  # a month is a period, not a day
        ("February 30, 2024", ()),
    ],
)
def test_mentioned_days_are_full_dates_only(question: str, days: tuple[date, ...]) -> None:
    assert mentioned_days(question) == days


_EVERY_PHRASE = [
    "this week", "last week", "this month", "last month", "this year", "last year",
    "yesterday", "today", "latest", "in January", "in December", "since 2024", "after 2099",
    "before 1900", "until 2030", "in May 2024",
]  # fmt: skip


@pytest.mark.parametrize("phrase", _EVERY_PHRASE)
@pytest.mark.parametrize(
    "as_of", [date.min, date(1, 1, 2), date(1, 2, 28), date.max, date(9999, 12, 30)]
)
def test_no_phrase_overflows_at_the_ends_of_the_calendar(phrase: str, as_of: date) -> None:
    # Probe finding: "this week" as of 0001-01-02 overflowed date arithmetic (a 500).
    timeframe = resolve_timeframe(f"What happened {phrase}?", as_of)
    for span in (timeframe.window, timeframe.range):
        if span is not None and None not in span:
            first, last = span
            assert first is not None and last is not None and first <= last
