"""Socket Mode: `newsqa slack --socket-mode` connects to a loopback Slack (apps.connections.open,
then a WebSocket), takes envelopes, acknowledges them on the socket and posts answers through
the Web API; the same listeners as HTTP events."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.fake_slack import FakeSlack
from bench.slack_payloads import (
    button_click,
    envelope,
    event_callback,
    mention,
    slash_command,
)
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.slack.blocks import HELPFUL_ACTION
from service.slack.feedback import FeedbackStore
from service.slack.socket_mode import run_socket_mode
from service.slack.sqlite_state import SharedSQLite
from tests.service.slack.conftest import bot_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
QUESTION = "Where is Orbital Labs based?"


@pytest.fixture
def own_fake() -> Iterator[FakeSlack]:
    """A loopback Slack of this test's own: envelopes go to every socket connected to it."""
    with FakeSlack().running() as fake:
        yield fake


def _ack_within(fake: FakeSlack, sent: dict[str, Any], seconds: float) -> dict[str, Any]:
    envelope_id = sent["envelope_id"]
    started = time.monotonic()
    fake.send(sent)
    assert fake.wait_for(lambda: envelope_id in fake.acks, timeout=30), "no acknowledgement"
    ack = fake.acks[envelope_id]
    assert ack.at - started < seconds, f"acknowledged after {ack.at - started:.2f} s"
    return ack.body


def test_the_socket_mode_command_answers_acknowledges_and_stops_cleanly(
    own_fake: FakeSlack,
    small_index: Path,
    embedder: SentenceTransformerEmbedder,
    model_cache_dir: Path,
    tmp_path: Path,
) -> None:
    fake = own_fake
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")},
        "NEWSQA_SLACK_BOT_TOKEN": fake.bot_token,
        "NEWSQA_SLACK_APP_TOKEN": fake.app_token,
        "NEWSQA_SLACK_API_URL": fake.api_url,
        "NEWSQA_SLACK_STATE_DIR": str(tmp_path / "slack"),
        "NEWSQA_CACHE_DIR": str(model_cache_dir),
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-c", "from service.cli.main import main; main()", "slack"]
    command += ["--socket-mode", "--index", str(small_index)]
    log_path = tmp_path / "slack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            assert fake.wait_for(lambda: fake.connected() or process.poll() is not None, 120)
            assert process.poll() is None, log_path.read_text()
            # A mention: acknowledged on the socket, answered in its thread.
            event = mention(QUESTION, channel="C0SOCKET")
            payload = event_callback(event)
            first = envelope("events_api", payload)
            assert _ack_within(fake, first, 3.0) == {"envelope_id": first["envelope_id"]}
            assert fake.wait_for(lambda: fake.posts_in("C0SOCKET"), timeout=30)
            (post,) = fake.posts_in("C0SOCKET")
            assert post.body["text"] == "Tallinn" and post.body["thread_ts"] == event["ts"]
            # Slack's retry of the same event: acknowledged, not answered again.
            _ack_within(fake, envelope("events_api", payload, retry_attempt=1), 3.0)
            # /ask: the acknowledgement carries the interim message; the answer follows.
            command_payload = slash_command(QUESTION, fake.response_url("socket-ask"))
            ack = _ack_within(fake, envelope("slash_commands", command_payload), 3.0)
            assert ack["payload"] == {
                "response_type": "ephemeral",
                "text": f"Looking that up: {QUESTION}",
            }
            assert fake.wait_for(lambda: fake.responses_to("socket-ask"), timeout=30)
            # A click on the answer's helpful button is stored.
            (actions,) = [b for b in post.body["blocks"] if b["type"] == "actions"]
            helpful = next(e for e in actions["elements"] if e["action_id"] == HELPFUL_ACTION)
            click = button_click(helpful, fake.response_url("socket-thanks"), user="U0SOCK")
            _ack_within(fake, envelope("interactive", click), 3.0)
            assert fake.wait_for(lambda: fake.responses_to("socket-thanks"), timeout=30)
            time.sleep(0.5)
            assert len(fake.posts_in("C0SOCKET")) == 1
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
    output = log_path.read_text()
    assert code == 0, output
    assert "connected to Slack over Socket Mode" in output
    assert "stopping: no new questions" in output
    store = FeedbackStore(SharedSQLite(tmp_path / "slack" / "slack.sqlite"))
    assert store.counts() == {"helpful": 1, "not_helpful": 0}  # read after the process ended


def test_socket_mode_acknowledges_at_once_and_finishes_slow_answers_on_stop(
    own_fake: FakeSlack, small_index: Path, engine_factory: Any, tmp_path: Path
) -> None:
    fake = own_fake
    settings = bot_settings(small_index, fake, tmp_path, slack_shutdown_grace_s=30)
    engine = engine_factory(settings)
    engine.warm_up()
    engine.delay_s = 2.0
    started: dict[str, Any] = {}
    outcome: dict[str, Any] = {}

    def run() -> None:
        async def main() -> list[str]:
            started["stop"] = asyncio.Event()
            started["loop"] = asyncio.get_running_loop()
            return await run_socket_mode(settings, engine, started["stop"])

        outcome["cancelled"] = asyncio.run(main())

    thread = threading.Thread(target=run, name="socket-mode", daemon=True)
    thread.start()
    try:
        assert fake.wait_for(fake.connected, timeout=60)
        events = [mention(QUESTION, channel=f"C0SOCKSLOW{n}") for n in range(2)]
        for event in events:
            _ack_within(fake, envelope("events_api", event_callback(event)), 1.0)
        assert not fake.posts_in("C0SOCKSLOW0")  # the answers are still being written
        started["loop"].call_soon_threadsafe(started["stop"].set)
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert outcome["cancelled"] == []
        for event in events:
            (post,) = fake.posts_in(event["channel"])
            assert post.body["text"] == "Tallinn"
        assert not fake.connected()  # the socket was closed first: no new questions
    finally:
        engine.delay_s = 0
        engine.close()
