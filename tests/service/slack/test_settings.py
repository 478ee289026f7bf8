"""What the Slack settings switch on, how they fail, and that secrets never show."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from bench.fake_slack import FakeSlack
from service.cli.main import app as cli
from service.config import Settings
from service.http.app import create_app
from service.slack.settings import (
    EVENTS_PATH,
    SlackConfigError,
    api_url,
    app_token,
    http_events_enabled,
    state_dir,
)

MANIFESTS = Path(__file__).resolve().parents[3] / "service" / "slack"


def test_http_events_need_both_the_bot_token_and_the_signing_secret(tmp_path: Path) -> None:
    base = Settings(index_dir=tmp_path / "index")
    assert not http_events_enabled(base)
    assert not http_events_enabled(Settings(index_dir=tmp_path / "i", slack_bot_token="xoxb-1"))
    both = Settings(
        index_dir=tmp_path / "index", slack_bot_token="xoxb-1", slack_signing_secret="s"
    )
    assert http_events_enabled(both)
    blank = Settings(index_dir=tmp_path / "index", slack_bot_token=" ", slack_signing_secret="s")
    assert not http_events_enabled(blank)


def test_without_slack_settings_there_is_no_endpoint_and_no_exemption(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(index_dir=tmp_path / "index", api_keys=["k"], slack_bot_token="xoxb-1")
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
        assert client.post(EVENTS_PATH, content=b"{}").status_code == 401  # the API key rules
        auth = {"Authorization": "Bearer k"}
        assert client.post(EVENTS_PATH, content=b"{}", headers=auth).status_code == 404
    assert "Slack HTTP events are off: NEWSQA_SLACK_SIGNING_SECRET is not set" in caplog.text
    assert "xoxb-1" not in caplog.text


def test_the_events_endpoint_and_the_page_are_exempt_from_api_keys_and_rate_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.slack_payloads import json_body, signed

    with FakeSlack().running() as fake:
        settings = Settings(
            index_dir=tmp_path / "index",
            api_keys=["k"],
            rate_limit_per_minute=2,
            slack_bot_token=fake.bot_token,
            slack_signing_secret="s",
            slack_api_url=fake.api_url,
            slack_state_dir=tmp_path / "slack",
        )
        with TestClient(create_app(settings)) as client:
            body, content_type = json_body({"type": "url_verification", "challenge": "c"})
            for _ in range(5):  # more than the rate limit, no API key
                response = client.post(
                    EVENTS_PATH, content=body, headers=signed("s", body, content_type)
                )
                assert response.json() == {"challenge": "c"}
            # The web page's files pass the same way (one set of open paths for both).
            assert [client.get("/").status_code for _ in range(5)] == [200] * 5
            auth = {"Authorization": "Bearer k"}
            statuses = [client.get("/articles/x", headers=auth).status_code for _ in range(3)]
            assert statuses[-1] == 429  # the API itself is still limited
            assert client.get("/info").status_code == 401  # and needs its key


def test_secrets_never_show_in_reprs_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("NEWSQA_SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("NEWSQA_SLACK_APP_TOKEN", "xoxp-wrong-kind-secret")
    settings = Settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "very-secret" not in shown and "wrong-kind-secret" not in shown
    with pytest.raises(SlackConfigError) as info:
        app_token(settings)
    assert "xapp-" in str(info.value) and "wrong-kind" not in str(info.value)


def test_bad_values_fail_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSQA_SLACK_API_URL", "ftp://slack.example")
    with pytest.raises(ValidationError, match=r"ftp://slack\.example"):
        Settings()
    monkeypatch.setenv("NEWSQA_SLACK_API_URL", "http://127.0.0.1:9/api")
    assert api_url(Settings()) == "http://127.0.0.1:9/api/"
    monkeypatch.setenv("NEWSQA_SLACK_SHUTDOWN_GRACE_S", "0")
    with pytest.raises(ValidationError, match="slack_shutdown_grace_s"):
        Settings()


def test_state_lives_beside_the_index_unless_told(tmp_path: Path) -> None:
    assert state_dir(Settings(index_dir=tmp_path / "var" / "index")) == tmp_path / "var" / "slack"
    told = Settings(index_dir=tmp_path / "index", slack_state_dir=tmp_path / "elsewhere")
    assert state_dir(told) == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "NEWSQA_SLACK_APP_TOKEN is not set"),
        ({"NEWSQA_SLACK_APP_TOKEN": "xoxb-1"}, "start with xapp-"),
        ({"NEWSQA_SLACK_APP_TOKEN": "xapp-1"}, "NEWSQA_SLACK_BOT_TOKEN is not set"),
    ],
)
def test_the_socket_mode_command_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["slack", "--socket-mode"])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert "xoxb-1" not in result.output


def test_the_slack_command_points_http_users_to_serve() -> None:
    result = CliRunner().invoke(cli, ["slack"])
    assert result.exit_code == 2
    assert "newsqa serve" in " ".join(result.output.split())


def test_a_token_slack_refuses_stops_socket_mode_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with FakeSlack(bot_token="xoxb-the-right-one").running() as fake:
        monkeypatch.setenv("NEWSQA_SLACK_APP_TOKEN", fake.app_token)
        monkeypatch.setenv("NEWSQA_SLACK_BOT_TOKEN", "xoxb-a-wrong-one")
        monkeypatch.setenv("NEWSQA_SLACK_API_URL", fake.api_url)
        monkeypatch.setenv("NEWSQA_SLACK_STATE_DIR", str(tmp_path / "slack"))
        result = CliRunner().invoke(cli, ["slack", "--socket-mode", "--index", str(tmp_path / "i")])
    assert result.exit_code == 2, result.output
    assert "Slack refused NEWSQA_SLACK_BOT_TOKEN: invalid_auth" in " ".join(result.output.split())
    assert "a-wrong-one" not in result.output


def _manifest(name: str) -> dict[str, object]:
    loaded = yaml.safe_load((MANIFESTS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifests_ask_for_what_the_bot_handles_and_no_more() -> None:
    http, socket = _manifest("manifest-http.yaml"), _manifest("manifest-socket-mode.yaml")
    for manifest in (http, socket):
        settings = manifest["settings"]
        features = manifest["features"]
        assert isinstance(settings, dict) and isinstance(features, dict)
        assert settings["event_subscriptions"]["bot_events"] == ["app_mention", "message.im"]
        assert settings["interactivity"]["is_enabled"] is True
        assert [c["command"] for c in features["slash_commands"]] == ["/ask"]
        assert features["app_home"]["messages_tab_enabled"] is True  # people can DM the bot
        assert manifest["oauth_config"] == {
            "scopes": {"bot": ["app_mentions:read", "chat:write", "commands", "im:history"]}
        }
    # Over HTTP everything arrives at the one endpoint; over Socket Mode no URL is needed.
    urls = [
        http["settings"]["event_subscriptions"]["request_url"],  # type: ignore[index]
        http["settings"]["interactivity"]["request_url"],  # type: ignore[index]
        http["features"]["slash_commands"][0]["url"],  # type: ignore[index]
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert http["settings"]["socket_mode_enabled"] is False  # type: ignore[index]
    assert socket["settings"]["socket_mode_enabled"] is True  # type: ignore[index]
    assert "request_url" not in yaml.safe_dump(socket)
    assert http["display_information"] == socket["display_information"]
