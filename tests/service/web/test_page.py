"""The page in a headless Chromium over a real uvicorn server and a real index of corpus/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import running_server
from tests.service.web.conftest import (
    PHONE,
    SCREENSHOTS,
    SEED_ANSWER,
    SEED_QUESTION,
    ConsoleLog,
    NewPage,
)

pytestmark = pytest.mark.slow
expect: Any = pytest.importorskip("playwright.sync_api").expect

UNANSWERABLE = "Who is the mayor of Springfield?"
BRIDGE_QUESTION = "The lab that built Muse Spark: who leads it?"
LATER_QUESTION = "when was Muse Spark unveiled?"
ABSTENTION = "The news in this index does not say."
SEED_OUTLET = "newsqa seed article"  # the only outlet whose briefs name the lab's head


@pytest.fixture(scope="module")
def url(corpus_index: Path, corpus_engine: QAEngine) -> Iterator[str]:
    """The app without API keys (the default), on 127.0.0.1."""
    settings = Settings(index_dir=corpus_index, rate_limit_per_minute=10_000)
    with running_server(create_app(settings, engine=corpus_engine)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def info(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/info").json()  # type: ignore[no-any-return]


def ask_url(url: str, **params: str) -> str:
    return f"{url}/?{urlencode(params)}"


def query_of(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_for_answer(page: Any) -> None:
    expect(page.locator("#answer")).to_be_visible()
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")


def test_the_seed_question_marks_the_answer_in_its_sentence(
    new_page: NewPage, url: str, info: dict[str, Any]
) -> None:
    page = new_page()
    page.goto(f"{url}/")
    page.get_by_label("Ask a question about AI-industry news").fill(SEED_QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()

    expect(page.locator("#answer .answer-text")).to_have_text(SEED_ANSWER)
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(page.locator("#answer .confidence")).to_have_text(re.compile(r"^\s*\d+% confidence$"))
    # Every source's passage marks the cited span, which is the answer here.
    source_marks = page.locator("#sources mark")
    expect(source_marks.first).to_be_visible()
    assert set(source_marks.all_inner_texts()) == {SEED_ANSWER}
    expect(page.locator("#sources .outlet").first).to_have_text(SEED_OUTLET)
    assert query_of(page) == {"q": [SEED_QUESTION]}
    assert page.title() == f"{SEED_QUESTION} | newsqa"
    # The footer's freshness is the API's.
    footer = page.locator("#freshness")
    expect(footer).to_contain_text(f"{info['articles']} articles from {len(info['outlets'])}")
    expect(footer.locator("time")).to_have_attribute("datetime", info["newest_published_at"])

    page.locator("#q").blur()  # no focus ring in the README's picture
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "ask.png")


def test_an_unanswerable_question_says_so_and_shows_the_closest_passages(
    new_page: NewPage, url: str
) -> None:
    api = httpx.post(f"{url}/ask", json={"question": UNANSWERABLE}, timeout=30).json()
    assert api["abstained"], f"the reader answers {UNANSWERABLE!r} now: pick another question"
    page = new_page()
    page.goto(ask_url(url, q=UNANSWERABLE))
    expect(page.locator("#answer .answer-text")).to_have_text(ABSTENTION)
    expect(page.locator("#answer")).to_contain_text("the best candidate scored")
    expect(page.locator("#results mark")).to_have_count(0)
    expect(page.locator("#closest li")).to_have_count(3)
    expect(page.locator("#status")).to_have_text(ABSTENTION)


def test_a_bridge_question_says_what_it_was_read_as(new_page: NewPage, url: str) -> None:
    api = httpx.post(f"{url}/ask", json={"question": BRIDGE_QUESTION}, timeout=30).json()
    assert api["bridge"], f"{BRIDGE_QUESTION!r} is no longer read in two hops: pick another"
    page = new_page()
    page.goto(ask_url(url, q=BRIDGE_QUESTION))
    expect(page.locator("#answer .answer-text")).to_have_text(api["answer"])
    expect(page.locator("#answer .bridge strong")).to_have_text(api["bridge"])
    expect(page.locator("#answer .bridge")).to_contain_text("Read as a question about")


def test_an_outlet_filter_removes_the_answer(new_page: NewPage, url: str) -> None:
    page = new_page()
    page.goto(ask_url(url, q=SEED_QUESTION))
    expect(page.locator("#answer .answer-text")).to_have_text(SEED_ANSWER)

    page.locator("#filters > summary").click()
    page.get_by_role("checkbox", name=re.compile("^The Batch")).check()
    expect(page.locator("#filter-count")).to_have_text("1 on")
    page.get_by_role("button", name="Ask", exact=True).click()

    expect(page.locator("#answer .answer-text")).not_to_have_text(SEED_ANSWER)
    wait_for_answer(page)
    assert SEED_ANSWER not in page.locator("#results").inner_text()
    assert set(page.locator("#results .outlet").all_text_contents()) == {"The Batch"}
    title = page.locator("#results a.title").first  # The Batch's briefs name their article
    expect(title).to_have_attribute("href", re.compile(r"^https://"))
    expect(title).to_have_attribute("target", "_blank")
    expect(title).to_have_attribute("rel", "noopener noreferrer")
    assert query_of(page) == {"q": [SEED_QUESTION], "sources": ["The Batch"]}


def test_a_shared_link_asks_on_load_and_asking_again_adds_to_history(
    new_page: NewPage, url: str
) -> None:
    page = new_page()
    shared = ask_url(url, q=SEED_QUESTION, sources=SEED_OUTLET, after="2026-01-01")
    page.goto(shared)
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    # The form shows the link's filters.
    expect(page.locator("#filters")).to_have_attribute("open", "")
    expect(page.get_by_role("checkbox", name=re.compile(f"^{SEED_OUTLET}"))).to_be_checked()
    expect(page.locator("#after")).to_have_value("2026-01-01")
    expect(page.locator("#filter-count")).to_have_text("2 on")
    assert set(page.locator("#results .outlet").all_text_contents()) == {SEED_OUTLET}

    page.locator("#q").fill(LATER_QUESTION)
    page.locator("#q").press("Enter")
    expect(page.locator("#answer .answer-text")).not_to_have_text(SEED_ANSWER)
    expected = {"q": [LATER_QUESTION], "sources": [SEED_OUTLET], "after": ["2026-01-01"]}
    assert query_of(page) == expected

    page.go_back()  # the shared link again, asked again
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(page.locator("#q")).to_have_value(SEED_QUESTION)
    assert page.url == shared


def test_the_article_view_marks_the_cited_span_at_its_offsets(new_page: NewPage, url: str) -> None:
    page = new_page()
    page.goto(ask_url(url, q=SEED_QUESTION))
    link = page.locator("#answer .read-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    page.locator("#q").fill("")  # the back link must restore the question from the address
    link.click()

    expect(page.locator("#cited")).to_have_text(SEED_ANSWER)
    match = re.fullmatch(r"/read/([^?]+)\?start=(\d+)&end=(\d+)", href or "")
    assert match, href
    article_id, start, end = match[1], int(match[2]), int(match[3])
    article = httpx.get(f"{url}/articles/{article_id}").json()
    assert article["text"][start:end] == SEED_ANSWER
    # Exactly at the offsets: the text before the mark is the article's first `start` characters.
    before, marked, after = page.evaluate(
        "() => [...document.querySelector('.article-text').childNodes].map(n => n.textContent)"
    )
    assert (before, marked, after) == (article["text"][:start], SEED_ANSWER, article["text"][end:])
    expect(page.locator("article h1")).to_have_text(article["title"])
    assert page.evaluate("document.activeElement.id") == "cited"

    page.get_by_role("link", name="← Back to the answer").click()
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    assert query_of(page) == {"q": [SEED_QUESTION]}


def test_the_article_view_reports_offsets_outside_the_text_and_unknown_articles(
    new_page: NewPage, url: str, console: ConsoleLog
) -> None:
    page = new_page()
    page.goto(f"{url}/read/brief-superintelligence-labs-alexandr-wang?start=90000&end=90013")
    expect(page.locator("article")).to_contain_text("is not inside this article's text")
    expect(page.locator("article h1")).to_contain_text("Alexandr Wang heads")
    expect(page.locator("mark")).to_have_count(0)

    console.expect("status of 404")
    page.goto(f"{url}/read/no-such-article")
    expect(page.locator("#error")).to_have_text("no article with id 'no-such-article'")


def test_bad_input_and_server_errors_show_the_apis_message(
    new_page: NewPage, url: str, console: ConsoleLog
) -> None:
    page = new_page()
    console.expect("status of 422")
    page.goto(ask_url(url, q="anything", after="2026-05-01", before="2026-01-01"))
    error = page.locator("#error")
    expect(error).to_have_text(
        "filters: published_after (2026-05-01) is later than published_before (2026-01-01)"
    )
    expect(page.locator("#results")).to_be_empty()

    # A 4xx in the {"error": {...}} shape: generative answers without an LLM.
    console.expect("status of 400")
    page.goto(ask_url(url, q=SEED_QUESTION, mode="generative"))
    expect(error).to_contain_text("generative answers need an LLM endpoint")

    # No answer at all: the connection fails.
    console.expect("net::ERR_FAILED")
    page.goto(f"{url}/")
    page.route("**/ask", lambda route: route.abort())
    page.locator("#q").fill(SEED_QUESTION)
    page.locator("#q").press("Enter")
    expect(error).to_contain_text("Could not reach the newsqa server")
    expect(page.locator("#q")).to_have_value(SEED_QUESTION)  # nothing typed is lost


def focused(page: Any) -> tuple[str, str]:
    """The focused element's id (or class) and its outline style."""
    found = page.evaluate(
        "() => [document.activeElement.id || document.activeElement.className,"
        " getComputedStyle(document.activeElement).outlineStyle]"
    )
    return found[0], found[1]


def test_keyboard_alone_asks_opens_filters_and_follows_a_source(
    new_page: NewPage, url: str
) -> None:
    page = new_page()
    page.goto(f"{url}/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(SEED_QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)

    page.keyboard.press("Tab")
    assert focused(page) == ("ask-button", "solid")
    page.keyboard.press("Tab")  # the filters' summary
    page.keyboard.press("Enter")
    expect(page.locator("#filters")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "The Batch"
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name=re.compile("^The Batch"))).to_be_checked()
    page.keyboard.press("Space")
    # On through the other filters (a date field takes a stop per part) to the answer's link.
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page)[0] == "read-link":
            break
    assert focused(page) == ("read-link", "solid")
    page.keyboard.press("Enter")
    expect(page.locator("#cited")).to_have_text(SEED_ANSWER)
    assert page.evaluate("document.activeElement.id") == "cited"


def test_a_phone_width_screen_reads_without_sideways_scrolling(new_page: NewPage, url: str) -> None:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(ask_url(url, q=SEED_QUESTION))
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ask = page.get_by_role("button", name="Ask", exact=True).bounding_box()
    assert ask is not None and ask["x"] + ask["width"] <= PHONE["width"]
    font = "getComputedStyle(document.querySelector('.passage')).fontSize"
    assert page.evaluate(f"parseFloat({font})") >= 16
    page.locator("#q").blur()
    page.screenshot(path=SCREENSHOTS / "ask-phone.png")
    page.locator("#filters > summary").click()
    expect(page.locator("#before")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_page_modules_mark_spans_by_code_point_and_parse_event_streams(
    new_page: NewPage, url: str
) -> None:
    page = new_page()
    page.goto(f"{url}/static/favicon.svg")  # this origin, without running the page's own script
    result = page.evaluate(
        """async () => {
          const { spanInText, spanInQuote } = await import('/static/highlight.js');
          const { createSseParser } = await import('/static/stream.js');
          const { externalLink } = await import('/static/dom.js');
          const events = [];
          const parser = createSseParser((event) => events.push(event));
          const stream = ': comment\\r\\nevent: delta\\r\\ndata: {"text": "Al"}\\r\\n\\r\\n'
            + 'event: citations\\ndata: [1,\\ndata: 2]\\n\\ndata: plain\\r\\r';
          for (let i = 0; i < stream.length; i += 3) parser.push(stream.slice(i, i + 3));
          parser.end();
          const text = '\\u{1F600} led by Alexandr Wang.';  // 2 UTF-16 units, 1 code point
          const passage = { article_id: 'a', start: 10, end: 33, text };
          const citation = { article_id: 'a', start: 19, end: 32, quote: 'led by Alexandr Wang.' };
          return {
            span: spanInText(text, 10, 19, 32),
            quote: spanInQuote(citation, [passage], null),
            outside: spanInText(text, 10, 30, 99),
            links: ['javascript:alert(1)', 'news/x', 'https://a.example/x'].map(
              (href) => externalLink(href, 't', 'title').localName),
            events,
          };
        }"""
    )
    assert result["span"] == [10, 23]  # "Alexandr Wang" in UTF-16 units, after the emoji
    assert result["quote"] == [7, 20]
    assert result["outside"] is None
    assert result["links"] == ["span", "span", "a"]  # only http(s) addresses become links
    assert result["events"] == [
        {"type": "delta", "data": '{"text": "Al"}'},
        {"type": "citations", "data": "[1,\n2]"},
        {"type": "message", "data": "plain"},
    ]
