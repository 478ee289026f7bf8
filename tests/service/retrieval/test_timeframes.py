"""Time phrases resolved against as_of: explicit periods filter, relative phrases boost."""

from __future__ import annotations

from datetime import date

import pytest

from service.retrieval.timeframes import (
    Timeframe,
    closeness,
    mentioned_days,
    mentioned_years,
    resolve_timeframe,
    strip_phrase,
)

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


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which lab released a model in 2024?", "period"),
        ("Who resigned last week?", "window"),
        ("Which merger was announced in December?", "window"),
        ("What is the latest model from Vexa Labs?", "latest"),
        ("What is the name of the model it launched?", "latest"),
        ("Who founded Vexa Labs?", "none"),
    ],
)
def test_every_time_frame_says_its_kind(question: str, kind: str) -> None:
    assert resolve_timeframe(question, AS_OF).kind == kind


def test_the_anchor_and_whether_the_asker_gave_it_are_kept() -> None:
    given = resolve_timeframe("Who resigned last week?", AS_OF)
    assert (given.anchor, given.anchored) == (AS_OF, True)
    today_only = resolve_timeframe("Who resigned last week?", AS_OF, anchored=False)
    assert (today_only.anchor, today_only.anchored) == (AS_OF, False)
    assert today_only.window == given.window  # the same dates; only the trust in them differs
    assert resolve_timeframe("Who founded Vexa Labs?", AS_OF, anchored=False) == Timeframe()


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("What is the name of the model it launched?", "the model it launched"),
        ("Which benchmark did the chip they just unveiled top?", "the chip they just unveiled"),
        ("How large is the open model that it released?", "the open model that it released"),
    ],
)
def test_a_definite_past_event_asks_for_the_latest_and_keeps_its_words(
    question: str, phrase: str
) -> None:
    timeframe = resolve_timeframe(question, AS_OF)
    assert timeframe.latest and timeframe.implied and timeframe.window is None
    assert timeframe.phrase == phrase
    assert strip_phrase(question, timeframe) == question  # "model", "launched" are the question


@pytest.mark.parametrize(
    "question",
    ["Who launched the model?", "The model was launched by whom?", "Did they launch it?"],
)
def test_a_launch_without_a_definite_thing_is_no_time_frame(question: str) -> None:
    assert resolve_timeframe(question, AS_OF).is_empty


def test_fit_is_one_inside_the_asked_time_and_fades_outside_a_window() -> None:
    period = resolve_timeframe("What shipped in March 2025?", AS_OF)
    assert period.fit(date(2025, 3, 31)) == 1.0
    assert period.fit(date(2025, 4, 1)) == 0.0  # a period is exact
    week = resolve_timeframe("Which startup was acquired this week?", AS_OF)  # 4-10 April
    assert week.fit(date(2025, 4, 4)) == 1.0
    assert week.fit(date(2025, 3, 28)) == pytest.approx(0.5)  # 7 days out, decay 7 days
    assert week.fit(None) is None
    latest = resolve_timeframe("What is the latest model?", AS_OF)
    assert latest.fit(date(2025, 4, 1)) is None  # until retrieval finds the newest story
    assert Timeframe().fit(date(2025, 4, 1)) is None


def test_closeness_halves_every_decay_period_on_either_side() -> None:
    window = (date(2025, 1, 10), date(2025, 1, 20))
    assert closeness(date(2025, 1, 15), window, 5.0) == 1.0
    assert closeness(date(2025, 1, 5), window, 5.0) == pytest.approx(0.5)
    assert closeness(date(2025, 1, 30), window, 5.0) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("Who won the 2020 Nobel Prize in chemistry?", (2020,)),
        ("Which teams met in the 2022 final, and who hosts 2026?", (2022, 2026)),
        ("Which model was released in 2025?", ()),  # a period filters instead
        ("What did Vexa say on October 31, 2023?", ()),  # a full day is the day boost's
        ("What did the 2020-21 season show?", ()),  # a span is neither
        ("Is Model-2024 faster than model 2023b?", ()),  # parts of names
        ("How many chips did Vexa ship?", ()),
    ],
)
def test_mentioned_years_are_bare_years_outside_periods_and_days(
    question: str, years: tuple[int, ...]
) -> None:
    assert mentioned_years(question, resolve_timeframe(question, AS_OF)) == years


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
