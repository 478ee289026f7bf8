"""Questions that ask what or who a name is, and the descriptions sentences give names."""

from __future__ import annotations

import pytest

from service.reading.defined import defined_name, description_spans


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What is Wren 4?", "Wren 4"),
        ("who's Ilse Marten", "Ilse Marten"),
        ("What is Halvorsen's Wren 4?", "Halvorsen's Wren 4"),
        ("What is the Nordic Automation Summit?", "Nordic Automation Summit"),
        ("What is zq4-mini?", "zq4-mini"),  # a name written with a digit
        # Anything besides a name asks for something else.
        ("What is the price of Wren 4?", ""),
        ("Who leads Halvorsen?", ""),
        ("What is the capital of Norland?", ""),
        # A role or a title asks who or what fills it.
        ("Who is the CEO of Halvorsen?", ""),
        ("Who is Halvorsen's CEO?", ""),
        ("What is the Ledger's Word of the Year?", ""),
    ],
)
def test_a_question_asks_what_a_name_is_only_where_it_gives_a_name_alone(
    question: str, name: str
) -> None:
    assert defined_name(question) == name


@pytest.mark.parametrize(
    ("sentence", "name", "descriptions"),
    [
        # In apposition, up to a relative clause or the clause's end.
        ("Halvorsen has released Wren 4, its first model that listens.", "Wren 4",
         ["its first model"]),
        ("Meridian unveiled Parley, an open-weights translation model, on Monday.", "Parley",
         ["an open-weights translation model"]),
        # After "is".
        ("Ilse Marten is the head of Corvid Labs, which she founded.", "Ilse Marten",
         ["the head of Corvid Labs"]),
        # A role right before a person's name, with where it is held.
        ("Corvid chief executive Ilse Marten said it would grow.", "Ilse Marten",
         ["Corvid chief executive"]),
        ("The board and chief executive Ilse Marten agreed.", "Ilse Marten", ["chief executive"]),
        # The name without its owner is found too.
        ("Wren 4 is a speech model for ports.", "Halvorsen's Wren 4", ["a speech model for ports"]),
        # No description: a name beside others, a single word, or too long a phrase.
        ("Ilse Marten and colleagues wrote it.", "Ilse Marten", []),
        ("Praise from Ilse Marten came fast.", "Ilse Marten", []),
        ("Wren 4, a model trained for many months on public port logs from six northern "
         "harbours of the region, ships.", "Wren 4", []),
    ],
)  # fmt: skip
def test_a_sentence_describes_a_name_after_it_or_by_its_role_before_it(
    sentence: str, name: str, descriptions: list[str]
) -> None:
    found = description_spans(sentence, name)
    assert [span.text for span in found] == descriptions
    for span in found:
        assert sentence[span.start : span.end] == span.text
        assert span.origin == "description"
