"""What the Slack settings turn on, and where the bot keeps its state."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from service.config import Settings

EVENTS_PATH = "/slack/events"


class SlackConfigError(ValueError):
    """The Slack settings cannot work as given (the message names the variable, never a secret)."""


def secret(value: SecretStr | None) -> str | None:
    """The secret's text, or None where it is unset or blank."""
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


def http_events_enabled(settings: Settings) -> bool:
    """HTTP events are served where both the bot token and the signing secret are set."""
    return bool(secret(settings.slack_bot_token) and secret(settings.slack_signing_secret))


def http_events_missing(settings: Settings) -> str | None:
    """Why HTTP events are off though part of their settings is given; None otherwise."""
    given = {
        "NEWSQA_SLACK_BOT_TOKEN": secret(settings.slack_bot_token),
        "NEWSQA_SLACK_SIGNING_SECRET": secret(settings.slack_signing_secret),
    }
    missing = [name for name, value in given.items() if value is None]
    if len(missing) == 1:
        return f"{missing[0]} is not set"
    return None


def bot_token(settings: Settings) -> str:
    token = secret(settings.slack_bot_token)
    if token is None:
        raise SlackConfigError("NEWSQA_SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    return token


def signing_secret(settings: Settings) -> str:
    value = secret(settings.slack_signing_secret)
    if value is None:
        raise SlackConfigError("NEWSQA_SLACK_SIGNING_SECRET is not set")
    return value


def app_token(settings: Settings) -> str:
    """The app-level token Socket Mode connects with."""
    token = secret(settings.slack_app_token)
    if token is None:
        raise SlackConfigError(
            "NEWSQA_SLACK_APP_TOKEN is not set (an app-level token, xapp-..., with the "
            "connections:write scope)"
        )
    if not token.startswith("xapp-"):
        raise SlackConfigError(
            "NEWSQA_SLACK_APP_TOKEN is not an app-level token: those start with xapp-"
        )
    return token


def api_url(settings: Settings) -> str:
    """The Web API base URL, ending in a slash as slack_sdk joins method names onto it."""
    return settings.slack_api_url.rstrip("/") + "/"


def state_dir(settings: Settings) -> Path:
    """Where feedback, delivered event ids and thread context live: beside the index."""
    if settings.slack_state_dir is not None:
        return settings.slack_state_dir
    return settings.index_dir.parent / "slack"
