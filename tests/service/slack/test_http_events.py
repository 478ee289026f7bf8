"""The bot over HTTP events: signed requests through the real app on a real uvicorn server, and
a loopback Slack that records what the bot posts. Each test uses channels of its own."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bench.slack_payloads import (
    BOT_ID,
    BOT_USER_ID,
    button_click,
    direct_message,
    event_callback,
    form_body,
    interaction_body,
    mention,
    signed,
    slash_command,
)
from service.slack.blocks import HELPFUL_ACTION, NOT_HELPFUL_ACTION
from tests.service.slack.conftest import (
    API_KEY,
    SECRET,
    Server,
    block_texts,
    buttons_of,
    only_post,
)

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Bearer {API_KEY}"}
# "How much did Brightwater raise?": the amount, with or without its unit, as the reader picks.
BRIGHTWATER_RAISED = frozenset({"30 million dollars", "30 million"})


def test_a_mention_is_answered_in_its_thread_with_sources(server: Server) -> None:
    question = "Where is Orbital Labs based?"
    event = mention(question, channel="C0MENTION")
    _, response = server.event(event)
    assert response.status_code == 200, response.text
    post = only_post(server, "C0MENTION")
    expected = server.engine.ask(question)  # what the engine says, straight
    assert expected.answer == "Tallinn"
    body = post.body
    assert body["thread_ts"] == event["ts"]
    assert body["text"] == "Tallinn"
    assert body["unfurl_links"] is False and body["unfurl_media"] is False
    assert post.headers["authorization"] == f"Bearer {server.fake.bot_token}"
    answer, confidence, source = block_texts(body["blocks"])
    assert answer == "*Tallinn*"
    assert confidence == (f"Confidence {round(100 * expected.confidence)}% · extractive answer")
    citation = expected.citations[0]
    assert source == (
        "<https://news.example.test/orbital-kestrel|Orbital Labs unveils Kestrel, a model for "
        "warehouse robots> · Example Wire · 2026-01-05\n"
        f"> {citation.quote}"
    )
    assert "Tallinn" in citation.quote
    buttons = buttons_of(body["blocks"])
    assert set(buttons) == {HELPFUL_ACTION, NOT_HELPFUL_ACTION}
    ref = json.loads(buttons[HELPFUL_ACTION]["value"])
    assert ref["q"] == question and ref["a"] == "Tallinn" and ref["m"] == "extractive"


def test_a_direct_message_is_answered_in_its_thread(server: Server) -> None:
    event = direct_message("How many languages does Parley cover?", channel="D0DM")
    _, response = server.event(event)
    assert response.status_code == 200
    post = only_post(server, "D0DM")
    assert post.body["thread_ts"] == event["ts"]
    assert post.body["text"] == "forty"


def test_an_abstention_says_so_and_shows_the_closest_sources(server: Server) -> None:
    question = "When was Kestrel's predecessor released?"
    assert server.engine.ask(question).abstained  # the articles do not say
    server.event(mention(question, channel="C0ABSTAIN"))
    body = only_post(server, "C0ABSTAIN").body
    texts = block_texts(body["blocks"])
    assert body["text"] == texts[0] == "I couldn't find the answer to that in the indexed news."
    assert texts[1].endswith("· closest sources below")
    assert texts[2].startswith("<https://news.example.test/orbital-kestrel|Orbital Labs unveils")
    assert buttons_of(body["blocks"])  # an abstention can be rated too


def test_the_slash_command_acknowledges_then_answers_through_response_url(
    server: Server,
) -> None:
    fields = slash_command("How much did Brightwater raise?", server.fake.response_url("ask-1"))
    body, content_type = form_body(fields)
    response = server.post(body, signed(SECRET, body, content_type))
    assert response.status_code == 200
    assert response.json() == {
        "response_type": "ephemeral",
        "text": "Looking that up: How much did Brightwater raise?",
    }
    assert server.fake.wait_for(lambda: server.fake.responses_to("ask-1"))
    (posted,) = server.fake.responses_to("ask-1")
    assert posted.body["response_type"] == "in_channel"
    assert posted.body["text"] in BRIGHTWATER_RAISED
    texts = block_texts(posted.body["blocks"])
    assert texts[0] == "*Q:* How much did Brightwater raise?"  # the channel did not see it
    assert texts[1] == f"*{posted.body['text']}*"


def test_a_slash_command_without_a_question_gets_usage_and_no_answer(server: Server) -> None:
    body, content_type = form_body(slash_command("  ", server.fake.response_url("ask-empty")))
    response = server.post(body, signed(SECRET, body, content_type))
    assert response.status_code == 200
    assert "/ask who leads" in response.json()["text"]
    time.sleep(0.3)
    assert server.fake.responses_to("ask-empty") == []


def test_a_command_that_mentions_payload_is_still_a_command(server: Server) -> None:
    # Bolt's own parser takes any form containing "payload" for an interaction.
    fields = slash_command("what payload of chips ship in September?", "http://unused")
    fields["response_url"] = server.fake.response_url("ask-payload")
    body, content_type = form_body(fields)
    response = server.post(body, signed(SECRET, body, content_type))
    assert response.status_code == 200
    assert response.json()["text"].startswith("Looking that up")
    assert server.fake.wait_for(lambda: server.fake.responses_to("ask-payload"))


def test_a_follow_up_in_the_thread_uses_the_earlier_question(server: Server) -> None:
    first = mention("How many languages does Parley cover?", channel="C0FOLLOW")
    server.event(first)
    only_post(server, "C0FOLLOW")
    follow_up = "which foundation gave it a grant?"
    second = mention(follow_up, channel="C0FOLLOW", thread_ts=first["ts"])
    server.event(second)
    assert server.fake.wait_for(lambda: len(server.fake.posts_in("C0FOLLOW")) == 2)
    answer = server.fake.posts_in("C0FOLLOW")[1].body
    assert answer["thread_ts"] == first["ts"]
    ref = json.loads(buttons_of(answer["blocks"])[HELPFUL_ACTION]["value"])
    assert ref["q"] == "which foundation gave Parley a grant?"
    # With the earlier topic the passage that says it comes back: as the answer, or quoted
    # among the closest sources where the reader is not confident enough to answer.
    assert "Aldous Foundation" in json.dumps(answer["blocks"])
    # A question at the top of the channel starts afresh.
    server.event(mention(follow_up, channel="C0FOLLOW"))
    assert server.fake.wait_for(lambda: len(server.fake.posts_in("C0FOLLOW")) == 3)
    fresh = server.fake.posts_in("C0FOLLOW")[2].body
    assert "thread_ts" not in fresh or fresh["thread_ts"] != first["ts"]
    assert json.loads(buttons_of(fresh["blocks"])[HELPFUL_ACTION]["value"])["q"] == follow_up


def test_a_follow_up_in_a_direct_message_thread(server: Server) -> None:
    first = direct_message("Where is Orbital Labs based?", channel="D0FOLLOW")
    server.event(first)
    only_post(server, "D0FOLLOW")
    server.event(
        direct_message("and who is its chief executive?", channel="D0FOLLOW", thread_ts=first["ts"])
    )
    assert server.fake.wait_for(lambda: len(server.fake.posts_in("D0FOLLOW")) == 2)
    assert server.fake.posts_in("D0FOLLOW")[1].body["text"] == "Mara Ilves"


def _metric(server: Server, line_start: str) -> float:
    text = httpx.get(f"{server.url}/metrics", headers=AUTH, timeout=10).text
    lines = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def test_feedback_clicks_are_stored_counted_and_thanked(server: Server) -> None:
    server.event(mention("Who led the Brightwater round?", channel="C0FEEDBACK"))
    buttons = buttons_of(only_post(server, "C0FEEDBACK").body["blocks"])
    helpful_before = _metric(server, 'newsqa_slack_feedback_votes{vote="helpful"}')
    clicks_before = _metric(server, 'newsqa_slack_feedback_clicks_total{vote="helpful"}')

    def click(action_id: str, user: str, name: str) -> None:
        payload = button_click(buttons[action_id], server.fake.response_url(name), user=user)
        body, content_type = interaction_body(payload)
        response = server.post(body, signed(SECRET, body, content_type))
        assert response.status_code == 200, response.text

    click(HELPFUL_ACTION, "U0ANNA", "thanks-1")
    click(HELPFUL_ACTION, "U0BEN", "thanks-2")
    assert _metric(server, 'newsqa_slack_feedback_votes{vote="helpful"}') == helpful_before + 2
    assert (
        _metric(server, 'newsqa_slack_feedback_clicks_total{vote="helpful"}') == clicks_before + 2
    )
    # Ben changes his mind: one vote per person per answer, the last one counts.
    click(NOT_HELPFUL_ACTION, "U0BEN", "thanks-3")
    assert _metric(server, 'newsqa_slack_feedback_votes{vote="helpful"}') == helpful_before + 1
    assert server.fake.wait_for(lambda: server.fake.responses_to("thanks-3"))
    (thanks,) = server.fake.responses_to("thanks-3")
    assert thanks.body["response_type"] == "ephemeral"
    assert thanks.body["replace_original"] is False
    assert thanks.body["text"] == "Thanks, noted: not helpful."
    # On disk, where a restarted bot (or the Socket Mode process) reads it.
    from service.slack.feedback import FeedbackStore
    from service.slack.sqlite_state import SharedSQLite

    assert server.settings.slack_state_dir is not None
    reopened = FeedbackStore(SharedSQLite(server.settings.slack_state_dir / "slack.sqlite"))
    assert reopened.counts()["not_helpful"] >= 1


def test_every_delivery_of_an_event_is_answered_once(server: Server) -> None:
    payload = event_callback(mention("How much did Brightwater raise?", channel="C0RETRY"))
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda retry: server.deliver(payload, retry=retry), range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    only_post(server, "C0RETRY")
    time.sleep(0.5)  # a second answer would have been posted by now
    assert len(server.fake.posts_in("C0RETRY")) == 1
    assert _metric(server, 'newsqa_slack_events_total{kind="mention",outcome="duplicate"}') >= 3


def test_an_event_first_seen_as_a_retry_is_answered(server: Server) -> None:
    payload = event_callback(mention("How much did Brightwater raise?", channel="C0LATE"))
    assert server.deliver(payload, retry=2).status_code == 200
    assert only_post(server, "C0LATE").body["text"] in BRIGHTWATER_RAISED


IGNORED: list[tuple[str, dict[str, Any]]] = [
    ("a bot's DM", direct_message("who are you?", channel="D0LOOP1", bot_id="B0OTHER")),
    (
        "a bot_message",
        direct_message("hello", channel="D0LOOP2", subtype="bot_message", bot_id="B0OTHER"),
    ),
    ("its own message", direct_message("Tallinn", channel="D0LOOP3", user=BOT_USER_ID)),
    ("its own answer", direct_message("Tallinn", channel="D0LOOP4", bot_id=BOT_ID)),
    (
        "an edit",
        direct_message(
            "", channel="D0LOOP5", subtype="message_changed", message={"text": "where?"}
        ),
    ),
    ("an edited flag", direct_message("where?", channel="D0LOOP6", edited={"user": "U0ASKER"})),
    ("a join", direct_message("joined", channel="D0LOOP7", subtype="channel_join")),
    ("a bot's mention", mention("where is Orbital Labs based?", channel="C0LOOP8", bot_id="B0X")),
    (
        "a channel message",
        {
            **direct_message("Where is Orbital Labs based?", channel="C0LOOP9"),
            "channel_type": "channel",
        },
    ),
]


def test_the_bot_never_answers_bots_itself_edits_or_other_subtypes(server: Server) -> None:
    before = _metric(server, 'newsqa_slack_events_total{kind="dm",outcome="ignored"}')
    for name, event in IGNORED:
        _, response = server.event(event)
        assert response.status_code == 200, name
    # A real question afterwards is answered; none of the others were.
    server.event(direct_message("Where is Orbital Labs based?", channel="D0LOOPOK"))
    only_post(server, "D0LOOPOK")
    channels = {event["channel"] for _, event in IGNORED}
    posted = {call.body.get("channel") for call in server.fake.calls}
    assert not channels & posted
    # The bot's own two never reach the listeners (Bolt's IgnoringSelfEvents drops them); the
    # channel message counts as "other".
    dm_ignored = _metric(server, 'newsqa_slack_events_total{kind="dm",outcome="ignored"}')
    assert dm_ignored == before + 5


def test_slack_errors_are_retried_or_logged_with_the_event_id(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.slack")
    fake = server.fake
    fake.fail_channel("C0GONE", "error", detail="channel_not_found")
    fake.fail_channel("C0RATE", "ratelimited", times=1, detail="1")
    fake.fail_channel("C0DROP", "drop", times=1)
    fake.fail_channel("C0DOWN", "drop")  # never reachable
    question = "Where is Orbital Labs based?"
    gone, _ = server.event(mention(question, channel="C0GONE"))
    rate, _ = server.event(mention(question, channel="C0RATE"))
    drop, _ = server.event(mention(question, channel="C0DROP"))
    down, _ = server.event(mention(question, channel="C0DOWN"))

    def calls(channel: str) -> int:
        return sum(1 for call in fake.calls if call.body.get("channel") == channel)

    # A 429 is waited out (Retry-After) and a dropped connection tried again: one answer each.
    assert only_post(server, "C0RATE").body["text"] == "Tallinn"
    assert only_post(server, "C0DROP").body["text"] == "Tallinn"
    assert calls("C0RATE") == 2 and calls("C0DROP") == 2
    # A Slack error that no retry mends, and a Slack that cannot be reached: logged, by event.
    assert fake.wait_for(lambda: f"event {gone}: Slack refused" in caplog.text, timeout=20)
    assert f"event {gone}: Slack refused the answer: channel_not_found" in caplog.text
    assert fake.wait_for(lambda: f"event {down}: cannot reach Slack" in caplog.text, timeout=30)
    assert calls("C0GONE") == 1 and calls("C0DOWN") == 3  # the first try and two retries
    # The bot carries on.
    server.event(mention(question, channel="C0AFTER"))
    assert only_post(server, "C0AFTER").body["text"] == "Tallinn"
    assert rate and drop


def test_the_events_endpoint_needs_no_api_key_but_the_api_does(server: Server) -> None:
    assert httpx.get(f"{server.url}/ask", params={"q": "where?"}).status_code == 401
    challenge = {"type": "url_verification", "token": "x", "challenge": "c-123"}
    response = server.deliver(challenge)  # signed, no Authorization header
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


def test_no_token_or_secret_is_logged_even_at_debug(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.event(mention("Where is Orbital Labs based?", channel="C0DEBUG"))
    only_post(server, "C0DEBUG")
    assert "chat.postMessage" in caplog.text  # slack_sdk did log its request
    assert server.fake.bot_token not in caplog.text
    assert SECRET not in caplog.text
