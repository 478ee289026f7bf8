"""Answers as Block Kit, and Slack's text both ways: exact blocks for invented answers."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from service.slack.blocks import (
    BUTTON_VALUE_CHARS,
    HELPFUL_ACTION,
    NO_ANSWER,
    NOT_HELPFUL_ACTION,
    FeedbackRef,
    answer_message,
)
from service.slack.mrkdwn import escape, link, question_text, truncate
from service.types import AnswerMode, AskResult, Citation, Passage
from tests.service.conftest import make_hits

CITATION = Citation(
    article_id="art-0",
    title="Kestrel <launch> & more",
    source="Test Wire",
    url="https://example.test/a|b",
    published_at=date(2026, 1, 5),
    quote="Orbital Labs is based in Tallinn. <!channel>",
    start=25,
    end=32,
)
REF = FeedbackRef("answer-1", "Where is Orbital Labs based?", "Tallinn", "extractive", "gen-1")


def _result(
    answer: str | None,
    confidence: float,
    citations: tuple[Citation, ...] = (),
    mode: AnswerMode = "extractive",
    **fields: Any,
) -> AskResult:
    hits = make_hits("Orbital Labs is based in Tallinn.", "Brightwater makes chips.")
    return AskResult(
        answer=answer,
        abstained=answer is None,
        confidence=confidence,
        mode_used=mode,
        citations=list(citations),
        passages=[Passage.from_hit(hit) for hit in hits],
        index_version="gen-1",
        took_ms=12.0,
        grounded=answer is not None,
        **fields,
    )


def test_an_answer_renders_with_its_sources_confidence_and_buttons() -> None:
    result = _result("Tallinn", 0.614, (CITATION, CITATION))
    message = answer_message(result, REF)
    assert message.text == "Tallinn"
    value = REF.encode()
    assert message.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Tallinn*"}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Confidence 61% · extractive answer"}],
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                # The link cannot be broken out of; the quote cannot ping the channel.
                "text": "<https://example.test/a%7Cb|Kestrel &lt;launch&gt; &amp; more> · "
                "Test Wire · 2026-01-05\n> Orbital Labs is based in Tallinn. &lt;!channel&gt;",
            },
        },
        {
            "type": "actions",
            "block_id": "newsqa_feedback",
            "elements": [
                {
                    "type": "button",
                    "action_id": HELPFUL_ACTION,
                    "text": {"type": "plain_text", "text": ":+1: Helpful", "emoji": True},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": NOT_HELPFUL_ACTION,
                    "text": {"type": "plain_text", "text": ":-1: Not helpful", "emoji": True},
                    "value": value,
                },
            ],
        },
    ]  # the same article cited twice is shown once


def test_an_abstention_says_so_and_lists_the_closest_sources() -> None:
    message = answer_message(_result(None, 0.08), REF, question="where <is> it?")
    texts = [
        b.get("text", {}).get("text") or b.get("elements", [{}])[0].get("text")
        for b in message.blocks
    ]
    assert message.text == NO_ANSWER
    assert texts[0] == "*Q:* where &lt;is&gt; it?"
    assert texts[1] == NO_ANSWER
    assert texts[2] == "Confidence 8% · closest sources below"
    assert texts[3] == (
        "<https://example.test/art-0|Title of art-0> · Test Wire\n"
        "> Orbital Labs is based in Tallinn."
    )
    assert texts[4].startswith("<https://example.test/art-1|Title of art-1>")


def test_a_generative_answer_numbers_its_sources_as_its_text_cites_them() -> None:
    second = CITATION.model_copy(
        update={"article_id": "art-1", "title": "Brightwater", "url": None, "quote": "Chips."}
    )
    citations = (
        second.model_copy(update={"marker": 2}),
        CITATION.model_copy(update={"marker": 1}),
        CITATION.model_copy(update={"marker": 1, "quote": "Another sentence."}),
    )
    result = _result(
        "Orbital Labs is based in Tallinn [1]. Brightwater makes chips [2]. It is cold.",
        0.67,
        citations,
        mode="generative",
        unsupported_sentences=["It is cold."],
    )
    texts = [block["text"]["text"] for block in answer_message(result, REF).blocks[2:4]]
    about = answer_message(result, REF).blocks[1]["elements"][0]["text"]
    assert about == "Confidence 67% · generative answer · 1 sentence without a source"
    assert texts == [
        "[1] <https://example.test/a%7Cb|Kestrel &lt;launch&gt; &amp; more> · Test Wire · "
        "2026-01-05\n> Orbital Labs is based in Tallinn. &lt;!channel&gt;",
        "[2] *Brightwater* · Test Wire · 2026-01-05\n> Chips.",
    ]  # one line per passage number, in order, the first quote for each


def test_an_extractive_answer_says_when_the_llm_failed() -> None:
    result = _result("Tallinn", 0.3, (CITATION,), fallback_reason="upstream_timeout")
    about = answer_message(result, REF).blocks[1]["elements"][0]["text"]
    assert (
        about == "Confidence 30% · extractive answer · the LLM could not answer (upstream_timeout)"
    )
    routine = _result("Tallinn", 0.3, (CITATION,), fallback_reason="llm_not_configured")
    assert (
        answer_message(routine, REF).blocks[1]["elements"][0]["text"].endswith("extractive answer")
    )


def test_long_answers_render_within_limits() -> None:
    untitled = CITATION.model_copy(update={"url": None})
    message = answer_message(_result("word " * 1000, 0.9, (untitled,), mode="generative"), REF)
    first = message.blocks[0]["text"]["text"]
    assert len(first) <= 3000 and first.endswith("…") and not first.startswith("*")
    assert message.blocks[1]["elements"][0]["text"] == "Confidence 90% · generative answer"
    assert len(message.blocks) == 3  # no [n] in the text, no marked citation: no source line


@pytest.mark.parametrize("question", ['"' * 3000, "\x01" * 3000, "é" * 3000])
def test_a_feedback_reference_always_fits_a_button(question: str) -> None:
    ref = FeedbackRef("a" * 32, question, '"' * 3000, "extractive", "gen-000001")
    value = ref.encode()
    assert len(value) <= BUTTON_VALUE_CHARS
    decoded = FeedbackRef.decode(value)
    assert decoded.answer_id == "a" * 32 and decoded.mode == "extractive"


def test_a_feedback_reference_round_trips_and_refuses_garbage() -> None:
    assert FeedbackRef.decode(REF.encode()) == REF
    for garbage in ("", "{", "[]", json.dumps({"q": "x"})):
        with pytest.raises(ValueError):
            FeedbackRef.decode(garbage)


def test_a_question_is_read_out_of_slack_markup() -> None:
    text = (
        "<@UBOT> who leads <https://meta.com|Meta>'s lab &amp; <#C1|general> asks "
        "<@U2|ann> <!here> about <https://x.test>?"
    )
    assert question_text(text, "UBOT") == (
        "who leads Meta's lab & #general asks @ann about https://x.test?"
    )
    assert question_text("<@UBOT>   ", "UBOT") == ""
    assert question_text("a &lt;b&gt;\n c") == "a <b> c"


def test_mrkdwn_helpers() -> None:
    assert escape("<@U1> & <!channel>") == "&lt;@U1&gt; &amp; &lt;!channel&gt;"
    assert link("https://x.test/a b>", "T|itle") == "<https://x.test/a%20b%3E|T¦itle>"
    assert truncate("one two three four", 16) == "one two three…"  # at a word, where near
    assert truncate("one two three four", 12) == "one two thr…"  # else mid-word
    assert truncate("short", 12) == "short"
