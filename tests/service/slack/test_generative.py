"""The bot with an LLM configured (the loopback one): Slack gets the answer POST /ask gives, a
generative answer with its numbered sources, and a slow LLM never delays an acknowledgement."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.fake_slack import FakeSlack
from bench.loopback_llm import Behaviour, LoopbackLLM, serving
from bench.slack_payloads import direct_message, form_body, mention, signed, slash_command
from service.generative.prompt import NO_ANSWER
from service.slack.blocks import HELPFUL_ACTION
from tests.service.slack.conftest import (
    API_KEY,
    SECRET,
    Server,
    block_texts,
    bot_settings,
    buttons_of,
    only_post,
    start_server,
)

pytestmark = pytest.mark.slow

QUESTION = "Where is Orbital Labs based?"
SENTENCE = "Orbital Labs is based in Tallinn"


def cite_tallinn(request: dict[str, Any]) -> str:
    """What a faithful model answers: the number of the passage that says where the lab is."""
    prompt = request["messages"][-1]["content"]
    for block in re.split(r"\n(?=\[\d+\] title:)", prompt):
        number = re.match(r"\[(\d+)\]", block)
        if number and SENTENCE in block:
            return f"{SENTENCE} [{number.group(1)}]."
    return NO_ANSWER


@pytest.fixture(scope="module")
def llm() -> Iterator[tuple[LoopbackLLM, str]]:
    app = LoopbackLLM()
    with serving(app) as url:
        yield app, url


@pytest.fixture(scope="module")
def llm_server(
    small_index: Path,
    fake_slack: FakeSlack,
    engine_factory: Any,
    llm: tuple[LoopbackLLM, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """The app with the bot on and an LLM; the reader's confidence never reaches 0.99, so auto
    mode asks the LLM for every answer."""
    settings = bot_settings(
        small_index, fake_slack, tmp_path_factory.mktemp("slack-llm"),
        llm_base_url=llm[1], llm_model="gpt-4o-mini", llm_retries=0,
        llm_read_timeout_s=10.0, llm_total_timeout_s=20.0, abstain_threshold=0.99,
    )  # fmt: skip
    engine = engine_factory(settings)
    running = start_server(settings, engine, fake_slack)
    yield running
    running.stop()
    engine.close()


def test_a_mention_gets_the_generative_answer_with_its_sources(
    llm_server: Server, llm: tuple[LoopbackLLM, str]
) -> None:
    app, _ = llm
    app.default = Behaviour(text=cite_tallinn)
    app.script()
    asked = httpx.post(
        f"{llm_server.url}/ask",
        json={"question": QUESTION},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=30,
    ).json()  # what POST /ask answers, for comparison
    assert (asked["mode_used"], asked["fallback_reason"]) == ("generative", "low_confidence")
    (marker,) = re.findall(r"\[(\d+)\]", asked["answer"])
    (citation,) = asked["citations"]
    assert citation["marker"] == int(marker) and SENTENCE in citation["quote"]

    event = mention(QUESTION, channel="C0LLM")
    _, response = llm_server.event(event)
    assert response.status_code == 200
    body = only_post(llm_server, "C0LLM").body
    assert body["thread_ts"] == event["ts"]
    assert body["text"] == asked["answer"] == f"{SENTENCE} [{marker}]."
    answer, about, source = block_texts(body["blocks"])
    assert answer == f"*{SENTENCE} [{marker}].*"
    assert about == f"Confidence {round(100 * asked['confidence'])}% · generative answer"
    assert source == (
        f"[{marker}] <https://news.example.test/orbital-kestrel|Orbital Labs unveils Kestrel, a "
        "model for warehouse robots> · Example Wire · 2026-01-05\n"
        f"> {citation['quote']}"
    )
    ref = json.loads(buttons_of(body["blocks"])[HELPFUL_ACTION]["value"])
    assert (ref["q"], ref["a"], ref["m"]) == (QUESTION, asked["answer"], "generative")
    # Both answers came from the LLM, each asked the question itself.
    assert app.attempts == 2
    for request in app.requests:
        assert request.body["messages"][-1]["content"].endswith(f"Question: {QUESTION}")


def test_acknowledgements_stay_under_3_s_while_the_llm_takes_5(
    llm_server: Server, llm: tuple[LoopbackLLM, str]
) -> None:
    app, _ = llm
    app.default = Behaviour(text=cite_tallinn, delay_s=5.0)
    app.script()
    fake = llm_server.fake
    command = slash_command(QUESTION, fake.response_url("slow-llm"))
    command_body, command_type = form_body(command)

    def timed(send: Any) -> tuple[float, int]:
        started = time.monotonic()
        status = send().status_code
        return time.monotonic() - started, status

    sends = [
        lambda: llm_server.event(mention(QUESTION, channel="C0SLOWLLM"))[1],
        lambda: llm_server.event(direct_message(QUESTION, channel="D0SLOWLLM"))[1],
        lambda: llm_server.post(command_body, signed(SECRET, command_body, command_type)),
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        acks = list(pool.map(timed, sends))
    assert [status for _, status in acks] == [200, 200, 200]
    assert max(seconds for seconds, _ in acks) < 3.0, acks
    assert fake.wait_for(
        lambda: (
            fake.posts_in("C0SLOWLLM")
            and fake.posts_in("D0SLOWLLM")
            and fake.responses_to("slow-llm")
        ),
        timeout=30,
    )
    assert time.monotonic() - started >= 5.0  # the answers did wait for the LLM
    assert app.attempts == 3
    assert only_post(llm_server, "C0SLOWLLM").body["text"].startswith(SENTENCE)
