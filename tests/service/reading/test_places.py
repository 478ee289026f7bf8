"""Levels of place: what a question asks for, what a candidate is known as (places.py)."""

from __future__ import annotations

import pytest

from service.reading.asked import read_question
from service.reading.places import (
    CITY,
    COUNTRY,
    REGION,
    STATE,
    asked_level,
    level_features,
    place_levels,
)


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("Which country shelved its foreign agents law?", COUNTRY),
        ("Which Middle Eastern country hosted the talks?", COUNTRY),
        ("Which state was hit by attacks on power substations?", STATE),
        ("Which African capital city hosted the summit?", CITY),
        ("Which continent recorded its hottest summer?", REGION),
        ("Which US state saw record heat?", STATE),
        ("Which other country agreed to the deal?", COUNTRY),
        ("Which country's prime minister resigned?", COUNTRY),  # the owner is asked for
        ("Which company recalled its trucks?", None),
        ("Where did the storm make landfall?", None),
    ],
)
def test_the_asked_level_is_the_asked_nouns_last_word(question: str, level: str | None) -> None:
    assert read_question(question).place_level == level
    assert asked_level(read_question(question).head_text) == level


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("Saudi Arabia", {COUNTRY}),
        ("Russia", {COUNTRY}),  # CLDR's short name; ISO says "Russian Federation"
        ("South Korea", {COUNTRY}),
        ("the United Kingdom", {COUNTRY}),
        ("Kentucky", {STATE}),
        ("Scotland", {COUNTRY}),  # the United Kingdom's countries are countries to a question
        ("Wales", {COUNTRY}),
        ("Ontario", {STATE}),
        ("Georgia", {COUNTRY, STATE}),
        ("Europe", {REGION}),
        ("US", {COUNTRY}),  # an ISO code written in capitals
        ("Riyadh", set()),
        ("Maricopa County", set()),
        ("It", set()),  # a code only in capitals: "It" is a word
        ("European Union", set()),  # CLDR lists it, ISO does not: not a country
    ],
)
def test_candidates_are_known_at_their_levels(name: str, levels: set[str]) -> None:
    assert place_levels(name) == levels


def test_match_and_clash() -> None:
    assert level_features(COUNTRY, "Saudi Arabia") == (1.0, 0.0)
    assert level_features(COUNTRY, "Georgia") == (1.0, 0.0)
    assert level_features(STATE, "Georgia") == (1.0, 0.0)
    assert level_features(CITY, "Uganda") == (0.0, 1.0)  # a country where a city is asked
    assert level_features(COUNTRY, "Riyadh") == (0.0, 0.0)  # not known: no opinion
    assert level_features(None, "Uganda") == (0.0, 0.0)  # no level asked
