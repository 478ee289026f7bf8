"""`newsqa index build|add|delete|status|gc`: the command line over `indexer.pipeline.run`.

Exit codes: 0 done (skipped inputs are reported, not fatal), 1 the index is locked, corrupt,
built with another model, or --strict found problems, 2 an input path does not exist.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from indexer.errors import IndexError_, IngestError, NoIndexError
from indexer.pipeline.plan import UpdateSummary
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.pipeline.status import index_status
from indexer.store.generations import clear_leftovers, find_leftovers
from service.config import get_settings

app = typer.Typer(no_args_is_help=True)
_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)

PathsArg = Annotated[list[str], typer.Argument(help="Files, folders or feed URLs to read.")]
IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="Index directory (default: NEWSQA_INDEX_DIR).")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail on any skipped input.")]


def _index_dir(given: Path | None) -> Path:
    return given if given is not None else get_settings().index_dir


def _check_paths(paths: list[str]) -> None:
    for given in paths:
        if given.lower().startswith(("http://", "https://")):
            continue
        if not Path(given).exists():
            _err.print(f"error: input path does not exist: {given}", markup=False)
            raise typer.Exit(2)


def _fail(exc: Exception) -> typer.Exit:
    _err.print(f"error: {exc}", markup=False, highlight=False)
    return typer.Exit(1)


def _report(summary: UpdateSummary, action: str) -> None:
    for problem in summary.problems:
        _err.print(f"{problem}", markup=False, highlight=False)
    if not summary.published:
        _out.print(f"{action}: nothing changed; live generation {summary.generation}")
    else:
        _out.print(f"{action}: published {summary.generation}")
    _out.print(
        f"  articles read {summary.articles_read}, added {summary.articles_added}, "
        f"updated {summary.articles_updated}, unchanged {summary.articles_unchanged}, "
        f"deleted {summary.articles_deleted}\n"
        f"  duplicates exact {summary.duplicates_exact}, near {summary.duplicates_near}; "
        f"problems {len(summary.problems)}\n"
        f"  chunks embedded {summary.chunks_embedded}, reused {summary.chunks_reused}, "
        f"tagged {summary.chunks_tagged}; {summary.seconds_total:.1f} s total, "
        f"{summary.seconds_embedding:.1f} s embedding, "
        f"{summary.stages.get('sentence analysis', 0.0):.1f} s tagging",
        highlight=False,
    )


@app.command()
def build(
    paths: PathsArg,
    index: IndexOpt = None,
    strict: StrictOpt = False,
    if_stale: Annotated[
        bool, typer.Option("--if-stale", help="Do nothing when inputs and settings are unchanged.")
    ] = False,
) -> None:
    """Build the index from PATHs: afterwards it holds exactly these inputs."""
    _check_paths(paths)
    config = get_settings().index_config()
    try:
        summary = build_index(
            paths, _index_dir(index), config, strict=strict, if_stale=if_stale, progress=True
        )
    except IngestError as exc:  # a path that vanished between the check and the read
        _err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1 if strict else 2) from None
    except (IndexError_, ValueError) as exc:  # ValueError: e.g. an unknown embedding model
        raise _fail(exc) from None
    _report(summary, "build")


@app.command()
def add(paths: PathsArg, index: IndexOpt = None, strict: StrictOpt = False) -> None:
    """Add or update the articles of PATHs (unchanged ones are skipped)."""
    _check_paths(paths)
    config = get_settings().index_config()
    try:
        summary = add_to_index(paths, _index_dir(index), config, strict=strict, progress=True)
    except IngestError as exc:
        _err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1 if strict else 2) from None
    except (IndexError_, ValueError) as exc:
        raise _fail(exc) from None
    _report(summary, "add")


@app.command()
def delete(
    ids: Annotated[list[str], typer.Argument(help="Article ids to remove.")],
    index: IndexOpt = None,
) -> None:
    """Remove articles by id (a deleted story's first duplicate takes its place)."""
    try:
        summary = delete_from_index(ids, _index_dir(index), progress=True)
    except IndexError_ as exc:
        raise _fail(exc) from None
    _report(summary, "delete")


@app.command()
def status(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the live generation: model, counts, size; and what killed writers left behind."""
    index_dir = _index_dir(index)
    leftovers = find_leftovers(index_dir)
    left = f"  leftovers: {leftovers.describe()}" + (
        " (clear with `newsqa index gc`)" if leftovers else ""
    )
    try:
        info = index_status(index_dir)
    except IndexError_ as exc:
        if isinstance(exc, NoIndexError) and leftovers:
            _err.print(left.strip(), markup=False, highlight=False)
        raise _fail(exc) from None
    if as_json:
        body = info.as_dict()
        body["leftovers"] = dataclasses.asdict(leftovers)
        typer.echo(json.dumps(body, indent=2, sort_keys=True))
        return
    _out.print(
        f"index {info.index_dir}: {info.generation} (created {info.created_at})\n"
        f"  model {info.embedding_model} (dimension {info.dimension}), faiss {info.faiss_type}, "
        f"chunks of {info.chunking['target_tokens']} tokens "
        f"(overlap {info.chunking['overlap_tokens']})\n"
        f"  articles {info.articles}, duplicates exact {info.duplicates_exact}, "
        f"near {info.duplicates_near}\n"
        f"  chunks {info.chunks}, vectors {info.vectors}, {info.disk_bytes / 1e6:.1f} MB on disk\n"
        f"{left}",
        highlight=False,
        markup=False,
    )


@app.command()
def gc(index: IndexOpt = None) -> None:
    """Remove what killed writers left: temp dirs, generations never made live, a stale pid.

    Refused (exit 1, nothing removed) while a build, add or delete holds the index's lock.
    """
    try:
        removed = clear_leftovers(_index_dir(index))
    except IndexError_ as exc:
        raise _fail(exc) from None
    _out.print(f"gc: removed {removed.describe()}" if removed else "gc: nothing to remove")
