"""The `newsqa` command: index, serve, ask and slack here; eval, bench and others as plugins.

Plugins are typer apps registered under the `newsqa.commands` entry-point group (see
pyproject.toml), loaded only when their command is asked for (or the root help is printed):
eval sits above the service (eval -> service -> indexer), and `newsqa serve` must not load it,
nor matplotlib with it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import typer
from typer.core import TyperGroup

from service.cli.ask import ask
from service.cli.index import app as index_app
from service.cli.serve import serve
from service.cli.slack import slack

PLUGIN_GROUP = "newsqa.commands"


@cache
def _plugins() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}


class _PluginGroup(TyperGroup):
    """The root group: its own commands, plus each plugin's, imported on first use.

    (`ctx` and the commands are typer's vendored click classes, which it does not export.)
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugins()})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in _plugins():
            return command
        plugin = _plugins()[cmd_name].load()
        if not isinstance(plugin, typer.Typer):
            raise TypeError(f"plugin {cmd_name!r} is not a typer app: {plugin!r}")
        loaded = typer.main.get_command(plugin)
        loaded.name = cmd_name
        return loaded


app = typer.Typer(
    name="newsqa",
    cls=_PluginGroup,
    help="Question answering over AI-industry news, with exact citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app, name="index", help="Build and update the index.")
app.command("serve")(serve)
app.command("ask")(ask)
app.command("slack")(slack)


def main() -> None:
    app()
