"""Cleaning: characters, whitespace, paragraphs, boilerplate; idempotent."""

from __future__ import annotations

import pytest

from indexer.text.cleaning import clean_inline, clean_text, is_boilerplate


def test_quotes_spaces_and_invisible_characters_are_normalised() -> None:
    raw = "\u201cIt\u2019s ready,\u201d said the\u00a0CEO\u200b of Lumen\u00adfold\u202fInc."
    assert clean_text(raw) == '"It\'s ready," said the CEO of Lumenfold Inc.'


def test_nfc_composes_accents_and_ligatures_are_split() -> None:
    # "e" + combining acute is one character after NFC; the fi ligature becomes two letters.
    assert clean_text("Cafe\u0301 \ufb01nance") == "Caf\u00e9 finance"
    # Compatibility characters with meaning survive (NFKC would turn m² into m2).
    assert clean_text("an area of 40 m\u00b2") == "an area of 40 m\u00b2"


def test_whitespace_collapses_within_lines_and_paragraphs_are_kept() -> None:
    raw = "  First   line\tof one paragraph.  \r\nSecond line.\n \n\n\n\nNext\u2003paragraph.\n"
    assert clean_text(raw) == "First line of one paragraph.\nSecond line.\n\nNext paragraph."


def test_control_characters_are_dropped_but_emoji_joiners_kept() -> None:
    family = "\U0001f468\u200d\U0001f469"
    assert clean_text(f"bell\x07 and {family}") == f"bell and {family}"


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Subscribe to our newsletter",
        "Sign up for The Daily Circuit newsletter to get stories like this.",
        "Read more: Robots learn to fold laundry",
        "Related: Harbour city tests driverless ferries",
        "Click here to see the full chart",
        "Share on Facebook | Share on Twitter | Email",
        "We use cookies to improve your experience. Accept all cookies",
        "Copyright 2025 Example Media. All rights reserved.",
    ],
)
def test_boilerplate_lines_are_removed(line: str) -> None:
    assert is_boilerplate(line)
    text = f"The lab trained the arm for six weeks.\n{line}\n\nIt now folds towels."
    assert clean_text(text) == "The lab trained the arm for six weeks.\n\nIt now folds towels."


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement spending on AI products doubled in 2024, the survey found.",
        "Readers who click here and there rarely finish long articles, the study said.",
        "The company said it would share more details on Friday.",
        "Subscribers to the newsletter grew by a third.",
        "Cookies were not involved, the regulator said.",
    ],
)
def test_sentences_that_mention_boilerplate_words_are_kept(line: str) -> None:
    assert not is_boilerplate(line)
    assert clean_text(line) == line


def test_text_of_only_boilerplate_cleans_to_empty() -> None:
    assert clean_text("Advertisement\n\nShare\n\n\u00a0\n") == ""


def test_cleaning_is_idempotent() -> None:
    raw = "\u201cA\u201d  b\u00a0c\n\n\nAdvertisement\nd\u00ade  f\n\n g "
    once = clean_text(raw)
    assert clean_text(once) == once


def test_clean_inline() -> None:
    assert clean_inline("  Robots\u00a0 \u201cfold\u201d\nlaundry ") == 'Robots "fold" laundry'
    assert clean_inline(" \u200b ") is None


def test_markup_left_in_plain_text_is_removed_but_its_words_stay() -> None:
    raw = (
        'The robot, <a href="https://example.org/r">built by Lumenfold</a>, folds '
        "<strong>towels</strong> &amp; shirts.<p>It ships in May.</p>"
        '<iframe src="https://player.example">player</iframe>'
    )
    assert clean_text(raw) == (
        "The robot, built by Lumenfold, folds towels & shirts.\nIt ships in May."
    )


def test_text_without_markup_keeps_its_ampersands_and_angles() -> None:
    line = "AT&amp;T said revenue was < 5% higher; R&D rose."
    assert clean_text(line) == line
