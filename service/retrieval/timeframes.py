"""Time expressions in a question ("this week", "in March 2025", "latest"), resolved against as_of.

Two kinds of answer, on purpose:
- an explicit calendar period ("in 2024", "in March 2025", "since 2023") becomes an exact
  published-date `range`, which the retriever merges into the search filters;
- a relative or recency phrase ("this week", "yesterday", "latest", "recently") becomes a
  `window` to boost towards, decaying over `decay_days` outside it. A boost never drops anything:
  undated articles keep their score.

A relative phrase means something only against the date it was said on: `anchored` records
whether that date was the asker's (an explicit as_of) or only today's, and the retriever lets an
unanchored "this week" break ties rather than override a clear match. A definite past event ("the
model it launched") asks, like "latest", for the newest matching story as of that date. Years a
question names outside a period ("the 2020 Nobel Peace Prize") are `mentioned_years`: a soft hint,
never a filter.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Literal

DateRange = tuple[date | None, date | None]

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
# "may" is a month only with a year after it ("in May 2024"), never alone ("in may").
_MONTH_NAMES = "|".join(sorted((m for m in _MONTHS if m != "may"), key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
# Most questions name no year: one cheap search spares them every pattern that needs one.
_ANY_YEAR = re.compile(_YEAR)

# Explicit periods: a preposition keeps "the 2024 election" (an event's name) from filtering.
_MONTH_YEAR = re.compile(
    rf"\b(?P<prep>in|during|from|of|since|after|before|until)\s+(?:early\s+|late\s+|mid-?)?"
    rf"(?P<month>{_MONTH_NAMES}|may)\.?,?\s+(?P<year>{_YEAR})\b",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(
    rf"\b(?P<prep>in|during|since|after|before|until)\s+(?:early\s+|late\s+|mid-?)?"
    rf"(?P<year>{_YEAR})\b(?!\s*[-\u2013/]\s*\d)",
    re.IGNORECASE,
)
_MONTH_ONLY = re.compile(
    rf"\b(?P<prep>in|during|since)\s+(?:early\s+|late\s+|mid-?)?(?P<month>{_MONTH_NAMES})\b"
    rf"(?!\s+\d)",
    re.IGNORECASE,
)

# Relative phrases, most specific first; each maps to (window start, window end, decay days).
_RELATIVE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"\b(?:this|the\s+past|the\s+last)\s+week(?:end)?\b", "this_week"),
        (r"\blast\s+week(?:end)?\b|\bprevious\s+week\b", "last_week"),
        (r"\b(?:this|the\s+past)\s+month\b", "this_month"),
        (r"\blast\s+month\b|\bprevious\s+month\b", "last_month"),
        (r"\bthis\s+year\b|\bthe\s+past\s+year\b", "this_year"),
        (r"\blast\s+year\b", "last_year"),
        (r"\byesterday\b", "yesterday"),
        (r"\btoday\b|\btonight\b|\bthis\s+morning\b", "today"),
    )
)
_RECENCY = re.compile(
    r"\b(?:latest|most\s+recent(?:ly)?|recently|newest|just\s+announced)\b",
    re.IGNORECASE,
)
# "the model it launched", "the chip they just unveiled": a definite thing from a past event,
# which as of a date means the most recent such event. Its words stay in the keyword query.
_IMPLIED_RECENCY = re.compile(
    r"\bthe\s+(?:[\w-]+\s+){1,3}?(?:that\s+|which\s+)?(?:it|they|he|she)\s+(?:has\s+|have\s+)?"
    r"(?:just\s+|recently\s+)?(?:launched|released|unveiled|introduced|announced|debuted|"
    r"shipped|rolled\s+out|open-sourced|acquired|bought)\b",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[?.!,;:])")
TimeKind = Literal["none", "period", "window", "latest"]


@dataclass(frozen=True)
class Timeframe:
    """What a question says about time, resolved to dates."""

    range: DateRange | None = None  # exact published-date filter (inclusive ends)
    recency: bool = False  # boost by closeness of published_at to `window`
    phrase: str | None = None  # the words that were matched, as written
    # Set with recency: the period the phrase means; None for "latest" until retrieval has
    # found the newest matching story.
    window: tuple[date, date] | None = None
    decay_days: float = 30.0  # boost halves every decay_days outside the window
    anchor: date | None = None  # the date relative phrases were measured from
    anchored: bool = True  # the anchor is the asker's date (as_of), not just today's
    latest: bool = False  # asks for the newest matching story ("latest", "recently")
    implied: bool = False  # latest, read from a definite past event ("the model it launched")

    @property
    def is_empty(self) -> bool:
        return self.range is None and not self.recency

    @property
    def kind(self) -> TimeKind:
        """period: an exact date range; window: a relative span to boost towards; latest: the
        newest matching story (its window, once retrieval has resolved it, is that story's day)."""
        if self.range is not None:
            return "period"
        if not self.recency:
            return "none"
        return "latest" if self.latest else "window"

    def fit(self, published: date | None) -> float | None:
        """How well a date fits the asked time: 1 inside it, halving every decay_days outside
        a window (0 outside a period); None where the question asks no time or the date is
        unknown."""
        if published is None or self.is_empty:
            return None
        if self.range is not None:
            after, before = self.range
            inside = (after is None or published >= after) and (
                before is None or published <= before
            )
            return 1.0 if inside else 0.0
        if self.window is None:
            return None  # "latest" before retrieval has found the newest matching story
        return closeness(published, self.window, self.decay_days)


def closeness(published: date, window: tuple[date, date], decay_days: float) -> float:
    """1 inside the window, halving every decay_days outside it."""
    start, end = window
    distance = (start - published).days if published < start else max(0, (published - end).days)
    return float(0.5 ** (distance / decay_days))


def resolve_timeframe(question: str, as_of: date, *, anchored: bool = True) -> Timeframe:
    """The first explicit period, else the first relative or recency phrase, else a definite
    past event, else nothing; `anchored` says whether as_of is the asker's date."""
    found = _resolve(question, as_of)
    return replace(found, anchor=as_of, anchored=anchored) if not found.is_empty else found


def _resolve(question: str, as_of: date) -> Timeframe:
    explicit = _explicit(question, as_of)
    if explicit is not None:
        return explicit
    for pattern, key in _RELATIVE:
        match = pattern.search(question)
        if match:
            window, decay = _relative_window(key, as_of)
            return Timeframe(recency=True, phrase=match.group(0), window=window, decay_days=decay)
    match = _RECENCY.search(question)
    if match:
        return Timeframe(recency=True, phrase=match.group(0), latest=True)
    match = _IMPLIED_RECENCY.search(question)
    if match:
        return Timeframe(recency=True, phrase=match.group(0), latest=True, implied=True)
    return Timeframe()


def strip_phrase(question: str, timeframe: Timeframe) -> str:
    """The question without its time phrase, which only adds noise to search; an implied
    one ("the model it launched") is made of the question's own content words and stays."""
    if timeframe.phrase is None or timeframe.implied:
        return question
    words = " ".join(question.replace(timeframe.phrase, " ", 1).split())
    return _SPACE_BEFORE_PUNCTUATION.sub("", words)


def _explicit(question: str, as_of: date) -> Timeframe | None:
    has_year = _ANY_YEAR.search(question) is not None
    match = _MONTH_YEAR.search(question) if has_year else None
    if match:
        year, month = int(match["year"]), _MONTHS[match["month"].lower()]
        return _period(match["prep"], _month_span(year, month), match.group(0))
    match = _YEAR_ONLY.search(question) if has_year else None
    if match:
        year = int(match["year"])
        return _period(match["prep"], (date(year, 1, 1), date(year, 12, 31)), match.group(0))
    match = _MONTH_ONLY.search(question)
    if match:
        month = _MONTHS[match["month"].lower()]
        # "in March" means the latest March that has begun by as_of; without a year it is a
        # guess, so it boosts rather than filters.
        year = as_of.year if month <= as_of.month else as_of.year - 1  # year 0 is clamped
        span = _month_span(year, month)
        return Timeframe(recency=True, phrase=match.group(0), window=span, decay_days=15.0)
    return None


def _period(preposition: str, span: tuple[date, date], phrase: str) -> Timeframe:
    first, last = span
    prep = preposition.lower()
    if prep in {"since", "from"}:
        bounds: DateRange = (first, None)
    elif prep == "after":
        bounds = (_shift(last, 1), None)
    elif prep == "before":
        bounds = (None, _shift(first, -1))
    elif prep == "until":
        bounds = (None, last)
    else:
        bounds = (first, last)
    return Timeframe(range=bounds, phrase=phrase)


def _month_span(year: int, month: int) -> tuple[date, date]:
    year = min(max(year, MINYEAR), MAXYEAR)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift(day: date, days: int) -> date:
    """`day` moved by `days`, held at date.min/date.max rather than overflowing past them."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def _year_span(year: int) -> tuple[date, date]:
    year = min(max(year, MINYEAR), MAXYEAR)
    return date(year, 1, 1), date(year, 12, 31)


def _relative_window(key: str, as_of: date) -> tuple[tuple[date, date], float]:
    """(window, decay days) for a relative phrase; "this week" is the 7 days ending at as_of."""
    # Near date.min the windows are held at the calendar's first day instead of overflowing.
    if key == "this_week":
        return (_shift(as_of, -6), as_of), 7.0
    if key == "last_week":
        return (_shift(as_of, -13), _shift(as_of, -7)), 7.0
    if key == "this_month":
        return (as_of.replace(day=1), as_of), 15.0
    if key == "last_month":
        previous = _shift(as_of.replace(day=1), -1)
        return _month_span(previous.year, previous.month), 15.0
    if key == "this_year":
        return (_year_span(as_of.year)[0], as_of), 90.0
    if key == "last_year":
        return _year_span(as_of.year - 1), 90.0
    if key == "yesterday":
        day = _shift(as_of, -1)
        return (day, day), 2.0
    return (as_of, as_of), 2.0  # today


# Calendar days named in full: "October 31, 2023", "Oct. 31 2023", "31 October 2023", ISO dates.
_DAY_MONTH_FIRST = re.compile(
    rf"\b(?P<month>{_MONTH_NAMES}|may)\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    rf"(?P<year>{_YEAR})\b",
    re.IGNORECASE,
)
_DAY_DAY_FIRST = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_NAMES}|may)\.?,?\s+"
    rf"(?P<year>{_YEAR})\b",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(rf"\b(?P<year>{_YEAR})-(?P<month>\d\d)-(?P<day>\d\d)\b")


def mentioned_days(question: str) -> tuple[date, ...]:
    """Calendar days the question names in full, in order of mention, without repeats.

    "After X reported on October 31, 2023, ..." asks about what was published that day; the
    retriever boosts articles dated near these days (it does not filter: a question may name
    several days, and the day an event happened is not always the day it was reported).
    """
    found: dict[date, None] = {}
    spans: list[tuple[int, date]] = []
    if _ANY_YEAR.search(question) is None:
        return ()
    for pattern in (_DAY_MONTH_FIRST, _DAY_DAY_FIRST, _ISO_DAY):
        for match in pattern.finditer(question):
            month_text = match["month"]
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
            try:
                day = date(int(match["year"]), month, int(match["day"]))
            except ValueError:
                continue  # "February 30, 2024": not a day
            spans.append((match.start(), day))
    for _, day in sorted(spans):
        found.setdefault(day, None)
    return tuple(found)


_BARE_YEAR = re.compile(rf"(?<![\w/-])(?P<year>{_YEAR})(?![\w/-]|\s*[\u2013]\s*\d)")


def mentioned_years(question: str, timeframe: Timeframe | None = None) -> tuple[int, ...]:
    """Years the question names outside an explicit period and a full date, in order.

    "Who won the 2020 Nobel Peace Prize?" is about what was reported around 2020, but an event's
    year is not always its reporting year ("the 2034 World Cup" was chosen in 2024), so the
    retriever only leans towards these years (see boosts.py); "in 2020" filters instead.
    """
    if _ANY_YEAR.search(question) is None:
        return ()
    text = question
    if timeframe is not None and timeframe.range is not None and timeframe.phrase:
        text = text.replace(timeframe.phrase, " ")
    for pattern in (_DAY_MONTH_FIRST, _DAY_DAY_FIRST, _ISO_DAY):
        text = pattern.sub(" ", text)
    found: dict[int, None] = {}
    for match in _BARE_YEAR.finditer(text):
        found.setdefault(int(match["year"]), None)
    return tuple(found)
