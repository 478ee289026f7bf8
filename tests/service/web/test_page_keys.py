"""The page on a server with API keys: it loads without one, asks once, keeps it for the tab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import running_server
from tests.service.web.conftest import SEED_ANSWER, SEED_QUESTION, ConsoleLog, NewPage

pytestmark = pytest.mark.slow
expect: Any = pytest.importorskip("playwright.sync_api").expect

KEY = "web-test-key"


@pytest.fixture(scope="module")
def url(corpus_index: Path, corpus_engine: QAEngine) -> Iterator[str]:
    settings = Settings(index_dir=corpus_index, api_keys=[KEY], rate_limit_per_minute=10_000)
    with running_server(create_app(settings, engine=corpus_engine)) as base_url:
        yield base_url


def test_the_page_asks_for_the_key_once_and_keeps_it_for_this_tab_only(
    new_page: NewPage, url: str, console: ConsoleLog
) -> None:
    console.expect("status of 401")  # the refusals that make the page ask
    page = new_page()
    statuses: dict[str, int] = {}
    page.on("response", lambda r: statuses.setdefault(r.url.removeprefix(url), r.status))
    page.goto(f"{url}/?{urlencode({'q': SEED_QUESTION})}")

    dialog = page.get_by_role("dialog", name="This server needs an API key")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("missing bearer token (an API key)")
    # The page and everything it loads came without a key; only the API refused.
    assert {path: status for path, status in statuses.items() if status != 200} == {"/info": 401}
    key_field = page.get_by_label("API key", exact=True)
    expect(key_field).to_be_focused()
    key_field.fill("not-the-key")
    key_field.press("Enter")
    expect(dialog).to_contain_text("invalid API key")
    expect(key_field).to_have_value("")
    key_field.fill(KEY)
    key_field.press("Enter")

    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(page.locator("#freshness")).to_contain_text("articles from 2 outlets")
    expect(dialog).to_be_hidden()
    assert page.evaluate("[sessionStorage.getItem('newsqa.apiKey'), localStorage.length]") == [
        KEY,
        0,
    ]

    page.reload()  # the same tab: no second prompt
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(dialog).to_be_hidden()

    other_tab = page.context.new_page()  # same browser, another tab: asked again
    other_tab.goto(f"{url}/")
    expect(other_tab.get_by_role("dialog")).to_be_visible()


def test_cancelling_the_prompt_shows_the_servers_message(
    new_page: NewPage, url: str, console: ConsoleLog
) -> None:
    console.expect("status of 401")
    page = new_page()
    page.goto(f"{url}/")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#freshness")).to_have_text(
        "The index's details are unavailable: missing bearer token (an API key)"
    )

    page.locator("#q").fill(SEED_QUESTION)
    page.locator("#q").press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#error")).to_have_text("missing bearer token (an API key)")

    page.locator("#q").press("Enter")  # asking again asks for the key again
    page.get_by_label("API key", exact=True).fill(KEY)
    page.get_by_label("API key", exact=True).press("Enter")
    expect(page.locator("#answer blockquote mark")).to_have_text(SEED_ANSWER)
    expect(page.locator("#error")).to_be_hidden()
    # With a key that works, the outlets and the footer are read after all.
    expect(page.locator("#freshness")).to_contain_text("articles from 2 outlets")
    expect(page.locator("#outlet-list input")).to_have_count(2)
