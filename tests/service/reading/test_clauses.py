"""The amount whose own clause says what the question asks, and the amount a change reached."""

from __future__ import annotations

from dataclasses import replace

from service.reading.answer_types import AnswerType
from service.reading.asked import read_question
from service.reading.clauses import changed_to_first, clause_amount_first, clause_around
from service.reading.context import Candidate
from service.reading.sentences import sentences_of
from tests.service.conftest import make_hits, ranked_spans

SHARES = (
    "Building web apps alone accounted for more than 10 percent, machine learning work for "
    "6 percent, and data analysis for 3.5 percent."
)


def _ranked(text: str, *amounts: str, kind: AnswerType = AnswerType.PERCENT) -> list[Candidate]:
    """The amounts of a sentence in the order given, scored from 0 down."""
    read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
    return ranked_spans(read, *amounts, kind=kind)


def _first(ranked: list[Candidate], question: str) -> str:
    return clause_amount_first(ranked, read_question(question))[0].span.text


def test_the_amount_of_the_clause_that_names_the_asked_thing_answers() -> None:
    ranked = _ranked(SHARES, "6 percent", "3.5 percent", "more than 10 percent")
    assert _first(ranked, "What share of Corvid chats involved data analysis?") == "3.5 percent"
    assert _first(ranked, "What share of Corvid chats built web apps?") == "more than 10 percent"
    # The first amount's clause already says it: it stays.
    assert _first(ranked, "What share of Corvid chats was machine learning?") == "6 percent"
    # "the previous best of": the words before an amount in its clause, not only names.
    gaia = _ranked(
        "On the Tarn benchmark it reached 67.36 percent, above the previous best of 63.64 percent.",
        "67.36 percent",
        "63.64 percent",
    )
    assert _first(gaia, "What was the previous best score on Tarn?") == "63.64 percent"
    assert _first(gaia, "What did the agent score on Tarn?") == "67.36 percent"


def test_semicolons_part_a_sentence_whose_clauses_hold_commas() -> None:
    text = "Its window grew to 1 million tokens, from 32,000 before; Corvid 2 offers 128,000."
    at = text.index("128,000")
    assert clause_around(text, at, at + 7).split() == ["Corvid", "2", "offers", "."]
    at = SHARES.index("6 percent")
    assert clause_around(SHARES, at, at + 9).split() == ["machine", "learning", "work", "for"]


def test_the_ranking_stands_where_the_first_amount_is_the_asked_names_or_counts_its_kind() -> None:
    text = "Its context window grew to 1 million tokens; Corvid offers 128,000 tokens."
    ranked = _ranked(text, "128,000", "1 million tokens", kind=AnswerType.NUMBER)
    owned = [replace(ranked[0], owner="corvid"), ranked[1]]
    asked = read_question("How big is Corvid's context window?")
    assert clause_amount_first(owned, asked) == owned
    # Without an owner, the clause that says "window" would answer.
    assert clause_amount_first(ranked, asked)[0].span.text == "1 million tokens"
    # "2,048 rows" counts what "how many rows" asks; "synthetic datasets" is not counted.
    rows = _ranked(
        "The team generated 100 million synthetic datasets, each with up to 2,048 rows.",
        "2,048",
        "100 million",
        kind=AnswerType.NUMBER,
    )
    counting = read_question("How many rows could each of Tarn's synthetic datasets have?")
    assert clause_amount_first(rows, counting) == rows
    # ... even where another number of rows stands in a clause that says more of the question.
    more = _ranked(
        "Each table has up to 2,048 rows; synthetic datasets of Tarn reach 4,096 rows.",
        "2,048",
        "4,096",
        kind=AnswerType.NUMBER,
    )
    assert clause_amount_first(more, counting) == more
    # A number in the question's names is no word of a clause: the "3" of "Corvid 3.7".
    prices = _ranked(
        "Pricing is $3 per million input tokens and $15 per million output tokens.",
        "$3",
        "$15",
        kind=AnswerType.MONEY,
    )
    assert _first(prices, "How much does Corvid 3.7 cost per million input tokens?") == "$3"


def test_the_amount_a_change_reached_answers_unless_the_question_asks_the_one_before() -> None:
    text = "On Tarn math it jumped from 35.5 percent to 73.3 percent, behind Wren at 79.8 percent."
    ranked = _ranked(text, "35.5 percent", "79.8 percent", "73.3 percent")
    now = read_question("What did Corvid score on Tarn?")
    assert changed_to_first(ranked, now)[0].span.text == "73.3 percent"
    for before in (
        "What did Corvid score on Tarn before the update?",
        "What was Corvid's previous score on Tarn?",
        "What did Corvid's Tarn score rise from?",
    ):
        assert changed_to_first(ranked, read_question(before)) == ranked
    # Only the amount a "from" opens gives way, and only to the one its "to" reaches.
    reached = _ranked(text, "73.3 percent", "35.5 percent")
    assert changed_to_first(reached, now) == reached
    apart = _ranked(
        "It rose from 35.5 percent; Wren reached 73.3 percent.", "35.5 percent", "73.3 percent"
    )
    assert changed_to_first(apart, now) == apart


def test_only_the_asking_sentence_of_a_quiz_counts() -> None:
    text = "A score is equal to 20 years, so the president meant a time 87 years before his speech."
    ranked = _ranked(text, "20", "87", kind=AnswerType.NUMBER)
    # The opening sentence's words ("president", "speech") are the scene, not the asked amount.
    quiz = read_question(
        "The president's famous speech begins with an old phrase. How long is a score?"
    )
    assert clause_amount_first(ranked, quiz) == ranked
    # Asked in one sentence, the same words do count.
    one = read_question("How long ago was the time the president meant in his speech?")
    assert clause_amount_first(ranked, one)[0].span.text == "87"


def test_a_clause_that_leaves_its_verb_to_the_one_before_says_what_that_one_says() -> None:
    text = "Without the assistant, 62 percent of students passed; with it, 66 percent did."
    ranked = _ranked(text, "66 percent", "62 percent")
    asked = read_question("With Corvid switched on, what share of students passed the test?")
    assert clause_amount_first(ranked, asked) == ranked
    # ... what it says of its amount, not the condition it opens with: "Without".
    without = read_question("Without Corvid, what share of students passed the test?")
    assert clause_amount_first(ranked, without)[0].span.text == "62 percent"
    # Where nothing is left to the clause before, its own words are all it says.
    plain = "Without the assistant, 62 percent of students passed; with it, 66 percent."
    ranked = _ranked(plain, "66 percent", "62 percent")
    assert clause_amount_first(ranked, asked)[0].span.text == "62 percent"


def test_a_change_written_the_other_way_round_reached_the_first_amount() -> None:
    grew = "Its context window grew to 1 million tokens, from 32,000 in the December version."
    ranked = _ranked(grew, "32,000", "1 million tokens", kind=AnswerType.NUMBER)
    asked = read_question("How big is Corvid's context window?")
    assert changed_to_first(ranked, asked)[0].span.text == "1 million tokens"
    up = "On the Tarn exam it scored 74.2 percent, up from 58.6 percent."
    ranked = _ranked(up, "58.6 percent", "74.2 percent")
    now = read_question("What did Corvid score on Tarn?")
    assert changed_to_first(ranked, now)[0].span.text == "74.2 percent"
    before = read_question("What was Corvid's previous score on Tarn?")
    assert changed_to_first(ranked, before) == ranked
