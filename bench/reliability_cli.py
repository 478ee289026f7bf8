"""`newsqa bench reliability load|overload|soak|swap|crash|corrupt|fuzz|all`: the reliability
suites (bench/cli.py mounts this app).

Each writes bench/results/<suite>.json (the machine and the command quoted) and prints a table.
Suites that serve use the index of corpus/ (built once into var/bench-index) unless --index is
given. Also runnable as `python -m bench.reliability_cli SUITE`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Reliability suites: JSON in bench/results/.")

IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="Index to serve [default: corpus/'s, built once].")
]


@app.command()
def load(
    index: IndexOpt = None,
    seconds: Annotated[int, typer.Option(min=1, help="Seconds per wrk run.")] = 20,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per level; medians reported.")] = 3,
) -> None:
    """/ask at 1, 8 and 32 connections, driven by wrk (apt-get install wrk)."""
    from bench.load import run_load

    run_load(index, seconds=seconds, repeats=repeats)


@app.command()
def overload(
    index: IndexOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="NEWSQA_MAX_IN_FLIGHT for the run.")] = 4,
    requests: Annotated[int, typer.Option(min=1)] = 1200,
) -> None:
    """4x the in-flight cap: 503 + Retry-After for the excess, then 100 requests that succeed."""
    from bench.overload import run_overload

    run_overload(index, limit=limit, requests=requests)


@app.command()
def soak(
    index: IndexOpt = None,
    minutes: Annotated[float, typer.Option(min=0.1, help="How long to soak.")] = 5.0,
    rate: Annotated[float, typer.Option(min=0.1, help="Requests a second.")] = 10.0,
) -> None:
    """A fixed rate for minutes: RSS growth < 10 %, open files back to baseline."""
    from bench.soak import run_soak

    run_soak(index, minutes=minutes, rate_per_s=rate)


@app.command()
def swap(
    index: IndexOpt = None,
    queries: Annotated[int, typer.Option(min=1, help="At least this many /ask.")] = 1000,
) -> None:
    """/ask at 8 clients during 5 publishes: 0 errors, passages from the named generation."""
    from bench.swap import run_swap

    run_swap(index, queries=queries)


@app.command()
def crash(
    kills: Annotated[int, typer.Option(min=1, help="SIGKILLs of build/add/delete.")] = 24,
) -> None:
    """SIGKILLs at random points of `newsqa index build/add/delete`: 0 corrupt loads."""
    from bench.crash import run_crash

    run_crash(kills=kills)


@app.command()
def corrupt(
    generations: Annotated[int, typer.Option(min=1, help="Damaged generations.")] = 100,
) -> None:
    """Damaged generations under a running server: all refused, the server keeps its own."""
    from bench.corrupt import run_corrupt

    run_corrupt(generations)


@app.command()
def fuzz(
    index: IndexOpt = None,
    examples: Annotated[int, typer.Option(min=1, help="Examples per operation and mode.")] = 100,
) -> None:
    """Schemathesis over /openapi.json: 0 5xx, 0 schema violations."""
    from bench.fuzz import run_fuzz

    run_fuzz(index, examples=examples)


@app.command("all")
def run_all(
    minutes: Annotated[float, typer.Option(min=0.1, help="Soak minutes.")] = 5.0,
) -> None:
    """Every suite once, with its defaults (about 25 minutes on two cores)."""
    fuzz()
    overload()
    swap()
    corrupt()
    crash()
    load()
    soak(minutes=minutes)


if __name__ == "__main__":
    app()
