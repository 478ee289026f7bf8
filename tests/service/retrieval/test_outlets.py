"""Outlet names in questions: aliases, case rules, whole words, longest match."""

from __future__ import annotations

import pytest

from service.retrieval.outlets import OutletMatcher, aliases

SOURCES = [
    "TechCrunch",
    "The Verge",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Cnbc | World Business News Leader",
    "CNN",
    "cnn.com",
    "theweek.co.uk",
    "The Week",
    "Fortune",
    "AP",
]


@pytest.fixture(scope="module")
def matcher() -> OutletMatcher:
    return OutletMatcher(SOURCES)


def test_aliases_are_the_name_its_outlet_part_and_a_domains_label() -> None:
    assert aliases("The Independent - Sports") == (
        {"The Independent - Sports", "The Independent"},
        set(),
    )
    assert aliases("Cnbc | World Business News Leader") == (
        {"Cnbc | World Business News Leader", "Cnbc"},
        set(),
    )
    assert aliases("www.usatoday.com") == (set(), {"usatoday"})
    assert aliases("CNN") == (set(), {"cnn"})
    assert aliases("AP") == (set(), set())  # too short to find safely


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did TechCrunch report about the deal?", {"TechCrunch"}),
        ("Did The Verge and TechCrunch agree?", {"The Verge", "TechCrunch"}),
        # A section named in full is that section; the bare outlet name is every section.
        ("Per The Independent - Sports, who won?", {"The Independent - Sports"}),
        (
            "Per The Independent, who won?",
            {"The Independent - Life and Style", "The Independent - Sports"},
        ),
        # Acronyms and domain labels match in any case, and stand for every source they name.
        ("what did cnn say", {"CNN", "cnn.com"}),
        ("As TheWeek put it", {"theweek.co.uk"}),
        # Ordinary words in title case match only as written.
        ("What happened this week at the verge of the deal?", set()),
        ("What did The Week say about Fortune 500 firms?", {"The Week", "Fortune"}),
        ("Is TechCrunchy a word? And CNNs?", set()),
        ("What did AP report?", set()),
    ],
)
def test_mentioned_outlets(matcher: OutletMatcher, question: str, expected: set[str]) -> None:
    assert matcher.mentioned(question) == expected


def test_an_index_without_sources_matches_nothing() -> None:
    empty = OutletMatcher(["", "  "])
    assert not empty
    assert empty.mentioned("What did TechCrunch say?") == frozenset()
