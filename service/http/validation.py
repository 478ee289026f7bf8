"""What a request's text, numbers and dates must be, defined once for every route.

A probe found questions that passed validation and then broke retrieval or read as words:
control characters (U+001C-U+001F count as whitespace to `str.strip` but not to the schema's
pattern), NUL and zero-width characters, lone surrogates, `true` read as 1, `0` read as
1970-01-01 and dates in year 1 that overflow the time-phrase arithmetic. Each field type
below refuses those with a 422 that names the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

MAX_TEXT_CHARS = 1000
MAX_NAME_CHARS = 200
# News the service answers about lives well inside these; outside them date arithmetic on
# "last year" or "this week" nears date.min/date.max, and a typo (year 20025) finds nothing.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def normalise_text(value: str) -> str:
    """Control and whitespace characters become one space, invisible format characters go.

    Raises ValueError where nothing visible is left, or for a lone surrogate (not text).
    """
    kept: list[str] = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValueError(
                f"contains a lone surrogate (U+{ord(char):04X}), which is not a character"
            )
        if category == "Cc" or char.isspace():
            kept.append(" ")
        elif category != "Cf":  # zero-width spaces, joiners, BOMs, direction marks
            kept.append(char)
    text = " ".join("".join(kept).split())
    if not text:
        raise ValueError("is empty once control, zero-width and whitespace characters are removed")
    return text


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD text or a date: pydantic alone also reads numbers as Unix times."""
    if isinstance(value, str):
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(f"must be a date written YYYY-MM-DD, not {value[:40]!r}")
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError("must be a date written YYYY-MM-DD (a JSON string), not a number or object")


def _sane_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


# A question or query: up to 1,000 characters, something visible once normalised.
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS),
    AfterValidator(normalise_text),
]
# An outlet's name in a filter.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_CHARS),
    AfterValidator(normalise_text),
]
# Strict: JSON `true` or `2.0` is not a count. Query strings stay lax ("?top_k=5" is text).
TopK = Annotated[int, Strict(), Field(ge=1, le=50, description="How many passages to retrieve.")]
QueryTopK = Annotated[int, Field(ge=1, le=50, description="How many passages to retrieve.")]
IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_sane_date)]
