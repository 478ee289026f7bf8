"""`newsqa serve` and `newsqa ask` (filled in with the HTTP service)."""

import typer


def register(root: typer.Typer) -> None:
    """Adds the serve and ask commands to the root command."""
