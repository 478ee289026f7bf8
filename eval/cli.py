"""`newsqa eval` (filled in by the evaluation work)."""

import typer

app = typer.Typer(no_args_is_help=True)
