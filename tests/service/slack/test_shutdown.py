"""Shutdown with answers in flight: they are posted within the grace period, and any that cannot
be are cancelled by name (event id) in the log, never dropped silently."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bench.fake_slack import FakeSlack
from bench.slack_payloads import mention
from tests.service.slack.conftest import bot_settings, start_server

pytestmark = pytest.mark.slow

QUESTION = "Where is Orbital Labs based?"


def test_answers_in_flight_are_posted_before_the_server_exits(
    small_index: Path,
    fake_slack: FakeSlack,
    engine_factory: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="service.slack")
    settings = bot_settings(small_index, fake_slack, tmp_path, slack_shutdown_grace_s=30)
    engine = engine_factory(settings)
    server = start_server(settings, engine, fake_slack)
    try:
        engine.delay_s = 1.5
        channels = [f"C0DRAIN{n}" for n in range(3)]
        for channel in channels:
            _, response = server.event(mention(QUESTION, channel=channel))
            assert response.status_code == 200
        assert not any(fake_slack.posts_in(channel) for channel in channels)  # still in flight
        stopped_at = time.monotonic()
        server.stop()  # returns once the app's lifespan has ended
        assert time.monotonic() - stopped_at < 25
        for channel in channels:
            (post,) = fake_slack.posts_in(channel)
            assert post.body["text"] == "Tallinn"
        assert "waiting up to 30 s for 3 answers in flight" in caplog.text
        assert "cancelled at shutdown" not in caplog.text
    finally:
        engine.delay_s = 0
        engine.close()


def test_answers_past_the_grace_period_are_cancelled_by_name(
    small_index: Path,
    fake_slack: FakeSlack,
    engine_factory: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="service.slack")
    settings = bot_settings(small_index, fake_slack, tmp_path, slack_shutdown_grace_s=0.5)
    engine = engine_factory(settings)
    server = start_server(settings, engine, fake_slack)
    try:
        engine.delay_s = 3.0
        late = [server.event(mention(QUESTION, channel="C0LATEDRAIN"))[0] for _ in range(2)]
        server.stop()
        assert fake_slack.posts_in("C0LATEDRAIN") == []
        for event_id in late:
            assert f"answer for event {event_id} cancelled at shutdown: not posted" in caplog.text
    finally:
        time.sleep(engine.delay_s)  # the engine's threads finish their sleep before it closes
        engine.delay_s = 0
        engine.close()
