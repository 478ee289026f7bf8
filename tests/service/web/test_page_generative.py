"""The page on a server with an LLM (the loopback chat-completions server): the mode selector
appears, and a generative answer streams into the page, then shows its citation marked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bench.loopback_llm import Behaviour, LoopbackLLM, serving
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.generative.test_answers import cite_the_wang_passage
from tests.service.http.test_app_support import running_server
from tests.service.web.conftest import SEED_ANSWER, SEED_QUESTION, NewPage

pytestmark = pytest.mark.slow
expect: Any = pytest.importorskip("playwright.sync_api").expect

# The model writes a word every PAUSE_S: slowly enough to see the answer grow in the page.
PAUSE_S = 0.4


@pytest.fixture(scope="module")
def llm() -> Iterator[tuple[LoopbackLLM, str]]:
    app = LoopbackLLM(Behaviour(text=cite_the_wang_passage, piece_delay_s=PAUSE_S))
    with serving(app) as llm_url:
        yield app, llm_url


@pytest.fixture(scope="module")
def url(corpus_index: Path, corpus_engine: QAEngine, llm: tuple[LoopbackLLM, str]) -> Iterator[str]:
    settings = Settings(
        index_dir=corpus_index,
        rate_limit_per_minute=10_000,
        llm_base_url=llm[1],
        llm_model="gpt-4o-mini",
        llm_read_timeout_s=10.0,
        llm_retries=0,
    )
    with running_server(create_app(settings, engine=corpus_engine)) as base_url:
        yield base_url


def test_a_generative_answer_streams_into_the_page_with_its_citation(
    new_page: NewPage, url: str, llm: tuple[LoopbackLLM, str]
) -> None:
    loopback, _ = llm
    loopback.script()
    assert httpx.get(f"{url}/info").json()["llm_configured"] is True
    page = new_page()
    page.goto(f"{url}/")
    page.locator("#filters > summary").click()
    mode = page.get_by_label("Answer mode")
    expect(mode).to_be_visible()  # shown because /info reports an LLM
    mode.select_option("generative")
    page.get_by_label("Ask a question about AI-industry news").fill(SEED_QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()

    # While the model writes, the page shows the words so far (whole words: the server holds a
    # word back until it ends), and the passages read; the streaming card goes when it is done.
    streaming = page.locator("#answer.streaming .answer-text")
    expect(streaming).to_contain_text("Alexandr")
    expect(page.locator("#passages > summary")).to_have_text(re.compile(r"passages read$"))

    answer = page.locator("#answer.generative .answer-text")
    expect(answer).to_have_text(
        re.compile(r"^Alexandr Wang leads Superintelligence Labs \[\d+\]\.$")
    )
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(page.locator("#status")).to_have_text(re.compile(r"^Answer: Alexandr Wang leads"))
    assert parse_qs(urlsplit(page.url).query) == {"q": [SEED_QUESTION], "mode": ["generative"]}
    # The page asked for a stream, and the LLM was asked once.
    assert [r.body["stream"] for r in loopback.requests] == [True]
    # The citation's link points at the answer's words in the stored article.
    href = page.locator("#answer .read-link").get_attribute("href") or ""
    found = re.fullmatch(r"/read/([^?]+)\?start=(\d+)&end=(\d+)", href)
    assert found, href
    article = httpx.get(f"{url}/articles/{found[1]}").json()
    assert article["text"][int(found[2]) : int(found[3])] == SEED_ANSWER
