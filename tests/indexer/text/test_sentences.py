"""Sentence spans: boundaries in news prose, exact offsets, nothing lost."""

from __future__ import annotations

import re

import pytest

from indexer.text.sentences import split_paragraphs, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Ortiz of Plimsoll Inc. spoke on Jan. 5 in the U.S. capital. Nobody came.",
            ["Mr. Ortiz of Plimsoll Inc. spoke on Jan. 5 in the U.S. capital.", "Nobody came."],
        ),
        (
            "Dr. Vance said sales hit $1.5 billion, up 3.5 percent. Shares rose.",
            ["Dr. Vance said sales hit $1.5 billion, up 3.5 percent.", "Shares rose."],
        ),
        (
            "J. R. R. Quillfeather wrote the memo. It leaked.",
            ["J. R. R. Quillfeather wrote the memo.", "It leaked."],
        ),
        (
            '"We are ready." The board agreed. \u201cTruly ready.\u201d She smiled.',
            ['"We are ready."', "The board agreed.", "\u201cTruly ready.\u201d", "She smiled."],
        ),
        (
            "Wait... what happened next? Nobody knows! The end.",
            ["Wait... what happened next?", "Nobody knows!", "The end."],
        ),
        (
            "Rivals, e.g. Brightloom, lagged. The gap grew.",
            ["Rivals, e.g. Brightloom, lagged.", "The gap grew."],
        ),
        (
            "A headline without a period\n\nThe body starts here. It goes on",
            ["A headline without a period", "The body starts here.", "It goes on"],
        ),
    ],
)
def test_news_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_blank_lines_with_spaces_separate_paragraphs() -> None:
    text = "  First para line one\nstill first para.  \n \t \nSecond para\n\n\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == [
        "First para line one\nstill first para.",
        "Second para",
    ]
    assert sentences(text) == ["First para line one\nstill first para.", "Second para"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n \n"])
def test_empty_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Caf\u00e9 owners in Z\u00fcrich cheered \U0001f600. Prices\u00a0fell 2.5%. "
        "\u201cGood,\u201d said Ms. R\u00f8d.\n\n"
        "\u65e5\u672c\u8a9e\u306e\u6587\u3002\u6b21\u306e\u6587\u3002",
        "no punctuation at all " * 50,
        "A.B.C. D.E.F. ... ?! ?!\n\n.\n\n\u2026 end",
        "Tabs\tand\r\nCRLF lines.\r\n\r\nNext para.  Trailing   ",
    ],
)
def test_spans_are_exact_ordered_and_lose_nothing(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
    # Every non-space character of the text is inside exactly one sentence.
    covered = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)
