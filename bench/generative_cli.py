"""`newsqa bench generative`: the command, registered on the bench app in bench/cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

RESULTS = Path("bench/results/generative.json")


def generative(
    index: Annotated[Path, typer.Option(help="Index directory to serve.")] = Path("var/index"),
    questions: Annotated[
        Path | None, typer.Option(help="Question file (JSONL with 'question'); else built-in.")
    ] = None,
    clients: Annotated[int, typer.Option(help="Concurrent clients.")] = 16,
    requests: Annotated[int, typer.Option(help="/ask requests per repeat.")] = 320,
    repeats: Annotated[int, typer.Option(help="Repeats on one server (medians).")] = 3,
    upstream_ms: Annotated[float, typer.Option(help="The loopback LLM's answer time.")] = 200.0,
    out: Annotated[Path, typer.Option(help="Where the JSON goes.")] = RESULTS,
) -> None:
    """newsqa's overhead around an LLM that always answers in `upstream_ms`."""
    from bench.generative import DEFAULT_QUESTIONS, run_generative_benchmark
    from bench.service import questions_from_jsonl

    asked = questions_from_jsonl(questions, limit=2000) if questions else list(DEFAULT_QUESTIONS)
    result = run_generative_benchmark(
        index, asked, clients=clients, requests=requests, repeats=repeats,
        upstream_ms=upstream_ms, out=out,
    )  # fmt: skip
    table = Table(title=f"generative answers, loopback LLM at {upstream_ms:g} ms")
    table.add_column("measure")
    table.add_column("p50 / p99 ms", justify="right")
    for label, key in (
        (f"overhead, {clients} clients", "overhead_ms"),
        ("first delta overhead, 1 client", "first_delta_overhead_ms_1_client"),
        (f"first delta overhead, {clients} clients", f"first_delta_overhead_ms_{clients}_clients"),
    ):
        table.add_row(label, f"{result[key]['p50']} / {result[key]['p99']}")
    tokens = result["prompt_tokens"]
    table.add_row("prompt tokens (of budget)", f"{tokens['p50']} / {tokens['max']} of "
                  f"{result['prompt_budget_tokens']}")  # fmt: skip
    Console().print(table)
    Console().print(f"errors {result['errors']}; wrote {out}")
