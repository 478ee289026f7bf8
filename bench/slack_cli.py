"""`newsqa bench slack`: the Slack bot's acknowledgement latency and exactly-once delivery;
registered on the bench app in bench/cli.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

RESULTS = Path("bench/results/slack.json")


def slack(
    index: Annotated[
        Path | None, typer.Option(help="Index the server answers from [settings].")
    ] = None,
    events: Annotated[int, typer.Option(min=1, help="Events (questions) to send.")] = 300,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at once.")] = 32,
    redeliver_every: Annotated[
        int, typer.Option(min=0, help="Deliver every Nth event twice, as Slack retries (0: none).")
    ] = 10,
    repeats: Annotated[int, typer.Option(min=1, help="Fresh servers; figures are medians.")] = 1,
    warmup: Annotated[int, typer.Option(min=0, help="Events answered first, not counted.")] = 8,
    questions: Annotated[
        Path | None, typer.Option(help="JSONL with a `question` field [corpus/ questions].")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the JSON.")] = RESULTS,
) -> None:
    """Signed events at a real `newsqa serve` with the bot on, against a loopback Slack."""
    from bench.service import questions_from_jsonl
    from bench.slack import DEFAULT_QUESTIONS, run_slack_benchmark
    from service.config import Settings

    console = Console()
    index_dir = index or Settings().index_dir
    asked = questions_from_jsonl(questions, limit=events) if questions else DEFAULT_QUESTIONS
    result = run_slack_benchmark(
        index_dir,
        events=events,
        concurrency=concurrency,
        redeliver_every=redeliver_every,
        repeats=repeats,
        warmup=warmup,
        questions=asked,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"Slack bot: {events} events, {concurrency} at once, {repeats} server(s)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    table.add_row(
        "acknowledgement p50 / p99 / max",
        f"{result['ack_p50_ms']} / {result['ack_p99_ms']} / {result['ack_max_ms']} ms",
        "p99 < 200 ms, max < 3 s",
    )
    table.add_row(
        "answers delivered", f"{result['answers_delivered']}/{events}", f"{events}/{events}"
    )
    table.add_row(
        "duplicate answers", f"{result['duplicates']} ({result['redeliveries']} retries)", "0"
    )
    table.add_row(
        "acknowledgement alone (no answers computing)",
        f"{result['acks_alone_p50_ms']} / {result['acks_alone_p99_ms']} / "
        f"{result['acks_alone_max_ms']} ms",
        "",
    )
    table.add_row(
        "control: GET /healthz, as concurrent",
        f"{result['healthz_p50_ms']} / {result['healthz_p99_ms']} / {result['healthz_max_ms']} ms",
        "",
    )
    table.add_row(
        "answer after ack p50 / p99",
        f"{result['answer_p50_ms']} / {result['answer_p99_ms']} ms",
        "",
    )
    table.add_row("non-200 acknowledgements", str(result["errors"]), "0")
    console.print(table)
    console.print(f"wrote {out}")
