"""What every command shares: its two consoles and settings read with the options on top."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from service.config import Settings

out = Console()
err = Console(stderr=True)


def settings_from(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options (those given) on top."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        err.print(f"[red]error:[/] bad setting: {escape(str(exc))}")
        raise typer.Exit(2) from exc


def first_error(exc: ValidationError) -> str:
    """The first validation error as `field: message`."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    return f"{field}: {first['msg']}"
