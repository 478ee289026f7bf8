"""The `newsqa` command: index, serve, ask, slack, eval and bench, each in its own module."""

from __future__ import annotations

import typer

from service.cli_bench import app as bench_app
from service.cli_index import app as index_app
from service.cli_serve import register as register_serve_commands
from service.slack.cli import register as register_slack_command

app = typer.Typer(
    name="newsqa",
    help="Question answering over AI-industry news, with exact citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app, name="index", help="Build and update the index.")
app.add_typer(bench_app, name="bench", help="Benchmarks: print figures and write JSON.")
register_serve_commands(app)
register_slack_command(app)


def _add_eval(root: typer.Typer) -> None:
    # eval sits above service in the dependency order (eval -> service -> indexer); the command
    # line is the one place that joins them, so the import happens here and nowhere else.
    from eval.cli import app as eval_app

    root.add_typer(eval_app, name="eval", help="Offline evaluation runs and comparisons.")


_add_eval(app)


def main() -> None:
    app()
