"""`newsqa index build|add|delete|status|gc`: the command line over `indexer.pipeline.run`.

Exit codes: 0 done (skipped inputs are reported, not fatal), 1 the index is locked, corrupt,
built with another model, or --strict found problems, 2 an input path does not exist.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from indexer.config import IndexConfig
from indexer.errors import IndexError_, IngestError, NoIndexError
from indexer.pipeline.location import FaissLocation, IndexLocation
from indexer.pipeline.plan import UpdateSummary
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.pipeline.status import index_status
from indexer.store.generations import Leftovers, clear_leftovers, find_leftovers
from service.config import get_settings
from service.stores import index_location

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


def _location(given: Path | None) -> IndexLocation[Any]:
    """The index NEWSQA_STORE names: the directory (--index) or the Milvus deployment."""
    settings = get_settings()
    if given is not None:
        settings = settings.model_copy(update={"index_dir": given})
    return index_location(settings)


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
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS|auto",
            help="Embed on a Ray cluster (Ray Data actors, GPUs where it has them); auto starts "
            "a local instance.",
        ),
    ] = None,
) -> None:
    """Build the index from PATHs: afterwards it holds exactly these inputs."""
    _check_paths(paths)
    config = get_settings().index_config()
    location = _location(index)
    try:
        with _embedder(config, ray) as embedder:
            summary = build_index(
                paths,
                location,
                config,
                embedder=embedder,
                strict=strict,
                if_stale=if_stale,
                progress=True,
            )
    except IngestError as exc:  # a path that vanished between the check and the read
        _err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1 if strict else 2) from None
    except (IndexError_, ValueError) as exc:  # ValueError: e.g. an unknown embedding model
        raise _fail(exc) from None
    finally:
        location.close()
    _report(summary, "build")


@contextmanager
def _embedder(config: IndexConfig, ray: str | None) -> Iterator[Any]:
    """None (the pipeline loads the model when it needs it), or the Ray embedder for --ray."""
    if ray is None:
        yield None
        return
    # Only here is Ray imported: a build without --ray never loads it.
    from indexer.embedding.ray_embedder import RayEmbedder
    from indexer.embedding.transformer import load_embedder

    local = load_embedder(config.embedding_model, config.batch_size)
    with RayEmbedder(local, ray, batch_size=config.batch_size) as embedder:
        yield embedder


@app.command()
def add(paths: PathsArg, index: IndexOpt = None, strict: StrictOpt = False) -> None:
    """Add or update the articles of PATHs (unchanged ones are skipped)."""
    _check_paths(paths)
    config = get_settings().index_config()
    location = _location(index)
    try:
        summary = add_to_index(paths, location, config, strict=strict, progress=True)
    except IngestError as exc:
        _err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1 if strict else 2) from None
    except (IndexError_, ValueError) as exc:
        raise _fail(exc) from None
    finally:
        location.close()
    _report(summary, "add")


@app.command()
def delete(
    ids: Annotated[list[str], typer.Argument(help="Article ids to remove.")],
    index: IndexOpt = None,
) -> None:
    """Remove articles by id (a deleted story's first duplicate takes its place)."""
    location = _location(index)
    try:
        summary = delete_from_index(ids, location, progress=True)
    except IndexError_ as exc:
        raise _fail(exc) from None
    finally:
        location.close()
    _report(summary, "delete")


@app.command()
def status(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the live generation: model, counts, size; and what killed writers left behind."""
    location = _location(index)
    # A FAISS directory's leftovers; a Milvus deployment's are undone by its next writer.
    is_dir = isinstance(location, FaissLocation)
    leftovers = Leftovers()
    if isinstance(location, FaissLocation):
        leftovers = find_leftovers(location.index_dir)
    left = f"  leftovers: {leftovers.describe()}" + (
        " (clear with `newsqa index gc`)" if leftovers else ""
    )
    try:
        info = index_status(location)
    except IndexError_ as exc:
        if isinstance(exc, NoIndexError) and leftovers:
            _err.print(left.strip(), markup=False, highlight=False)
        raise _fail(exc) from None
    finally:
        location.close()
    if as_json:
        body = info.as_dict()
        body["leftovers"] = dataclasses.asdict(leftovers)
        typer.echo(json.dumps(body, indent=2, sort_keys=True))
        return
    _out.print(
        f"index {info.index_dir}: {info.generation} (created {info.created_at})\n"
        f"  model {info.embedding_model} (dimension {info.dimension}), vectors {info.faiss_type}, "
        f"chunks of {info.chunking['target_tokens']} tokens "
        f"(overlap {info.chunking['overlap_tokens']})\n"
        f"  articles {info.articles}, duplicates exact {info.duplicates_exact}, "
        f"near {info.duplicates_near}\n"
        f"  chunks {info.chunks}, vectors {info.vectors}, "
        + (
            f"{info.disk_bytes / 1e6:.1f} MB on disk"
            if info.disk_bytes is not None
            else "on the server"
        )
        + (f"\n{left}" if is_dir else ""),
        highlight=False,
        markup=False,
    )


@app.command("copy-to-milvus")
def copy_to_milvus(index: IndexOpt = None) -> None:
    """Copy the live FAISS generation (--index) into NEWSQA_MILVUS_URI's deployment as it is:
    nothing re-embedded, so the two stores differ only in how they search."""
    from indexer.store.milvus.copy import copy_generation
    from indexer.store.milvus.location import MilvusLocation

    location = index_location(get_settings().model_copy(update={"store": "milvus"}))
    assert isinstance(location, MilvusLocation)
    try:
        name = copy_generation(_index_dir(index), location)
    except IndexError_ as exc:
        raise _fail(exc) from None
    finally:
        location.close()
    _out.print(f"copy-to-milvus: published {name} in {location.describe()}", highlight=False)


@app.command()
def gc(index: IndexOpt = None) -> None:
    """Remove what killed writers left: temp dirs, generations never made live, a stale pid.

    Refused (exit 1, nothing removed) while a build, add or delete holds the index's lock.
    A FAISS directory's; what a killed writer left in Milvus is undone by the next writer.
    """
    try:
        removed = clear_leftovers(_index_dir(index))
    except IndexError_ as exc:
        raise _fail(exc) from None
    _out.print(f"gc: removed {removed.describe()}" if removed else "gc: nothing to remove")
