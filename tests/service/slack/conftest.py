"""Fixtures of the Slack bot's tests: the loopback Slack, a real server with the bot on, and an
engine whose answers can be made slow."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bench.fake_slack import FakeSlack, Received
from bench.slack_payloads import event_callback, json_body, signed
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from service.types import Retrieved
from tests.service.http.test_app_support import free_port

SECRET = "loopback-signing-secret"
API_KEY = "api-key"


class SlowEngine(QAEngine):
    """The real engine, retrieving `delay_s` late: answers that hold the bot's answer threads
    (a slow LLM is the loopback one, in test_generative.py)."""

    delay_s = 0.0

    def retrieve(self, query: str, *args: Any, **kwargs: Any) -> Retrieved:
        if self.delay_s:
            time.sleep(self.delay_s)
        return super().retrieve(query, *args, **kwargs)


def bot_settings(index_dir: Path, fake: FakeSlack, state_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "index_dir": index_dir,
        "slack_bot_token": fake.bot_token,
        "slack_signing_secret": SECRET,
        "slack_app_token": fake.app_token,
        "slack_api_url": fake.api_url,
        "slack_state_dir": state_dir,
        "api_keys": [API_KEY],
        "max_body_bytes": 8192,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Server:
    url: str
    engine: SlowEngine
    fake: FakeSlack
    settings: Settings
    uvicorn: uvicorn.Server
    thread: threading.Thread

    def deliver(
        self, payload: dict[str, Any], *, retry: int = 0, timestamp: int | None = None
    ) -> httpx.Response:
        """Posts an Events API payload the way Slack does: signed JSON."""
        body, content_type = json_body(payload)
        return self.post(body, signed(SECRET, body, content_type, timestamp=timestamp, retry=retry))

    def post(self, body: bytes, headers: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=30)

    def event(self, event: dict[str, Any], **kwargs: Any) -> tuple[str, httpx.Response]:
        """Delivers `event` in a fresh event_callback; returns its event id and the response."""
        payload = event_callback(event)
        return payload["event_id"], self.deliver(payload, **kwargs)

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the server did not stop"


def only_post(server: Server, channel: str, timeout: float = 30) -> Received:
    """The one message the bot posted in `channel` (waiting for it)."""
    assert server.fake.wait_for(lambda: server.fake.posts_in(channel), timeout=timeout)
    posts = server.fake.posts_in(channel)
    assert len(posts) == 1, posts
    return posts[0]


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """The mrkdwn of each section and context block, in order."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                texts.append(element["text"])
    return texts


def buttons_of(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The feedback buttons, by action id."""
    (actions,) = [block for block in blocks if block["type"] == "actions"]
    return {element["action_id"]: element for element in actions["elements"]}


def start_server(settings: Settings, engine: SlowEngine, fake: FakeSlack) -> Server:
    """A real uvicorn on 127.0.0.1 serving the app with the bot on."""
    port = free_port()
    app = create_app(settings, engine=engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="slack-test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return Server(url, engine, fake, settings, server, thread)


@pytest.fixture(scope="package")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack().running() as fake:
        yield fake


@pytest.fixture(scope="package")
def engine_factory(small_index: Path, embedder: SentenceTransformerEmbedder) -> Any:
    def make(settings: Settings) -> SlowEngine:
        return SlowEngine(settings, embedder=embedder)

    return make


@pytest.fixture(scope="package")
def server(
    small_index: Path,
    fake_slack: FakeSlack,
    engine_factory: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One server for the package: its tests use channels of their own, so they never meet."""
    settings = bot_settings(small_index, fake_slack, tmp_path_factory.mktemp("slack-state"))
    engine = engine_factory(settings)
    running = start_server(settings, engine, fake_slack)
    yield running
    running.stop()
    engine.close()
