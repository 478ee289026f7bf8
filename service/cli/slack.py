"""`newsqa slack --socket-mode`: the Slack bot over Socket Mode, in its own process."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from service.cli.console import err, settings_from


def slack(
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Connect out to Slack over a WebSocket.")
    ] = False,
    index: Annotated[Path | None, typer.Option(help="Index directory [settings].")] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error [settings: info].")
    ] = None,
) -> None:
    """Run the Slack bot over Socket Mode (NEWSQA_SLACK_APP_TOKEN, NEWSQA_SLACK_BOT_TOKEN).

    Over HTTP, `newsqa serve` answers Slack at /slack/events instead.
    """
    # Imported here: the other commands never load slack_bolt.
    from service.slack.settings import SlackConfigError, app_token, bot_token
    from service.slack.socket_mode import serve_socket_mode

    if not socket_mode:
        err.print(
            "[red]error:[/] over HTTP, `newsqa serve` answers Slack at /slack/events (set "
            "NEWSQA_SLACK_BOT_TOKEN and NEWSQA_SLACK_SIGNING_SECRET); "
            "pass --socket-mode to connect out to Slack instead"
        )
        raise typer.Exit(2)
    settings = settings_from(index_dir=index, log_level=log_level)
    try:
        app_token(settings)
        bot_token(settings)
    except SlackConfigError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        cancelled = serve_socket_mode(settings)
    except SlackConfigError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if cancelled:
        err.print(f"[yellow]stopped with {len(cancelled)} answers not posted (see the log)[/]")
        raise typer.Exit(1)
