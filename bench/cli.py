"""`newsqa bench ...` (a `newsqa` plugin): benchmarks that print a table and write JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench.generative_cli import generative
from bench.reliability_cli import app as reliability_app
from bench.scale_cli import scale
from bench.slack_cli import slack

app = typer.Typer(no_args_is_help=True, help="Benchmarks: print figures and write JSON.")


@app.command("index")
def bench_index(
    corpus: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, dir_okay=True, help="Folder of .jsonl articles to index."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Where to write the JSON.")] = Path(
        "bench/results/index.json"
    ),
    repeats: Annotated[int, typer.Option(min=1, help="Full builds; figures are medians.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="Embedding batch size.")] = 64,
    model: Annotated[str, typer.Option(help="Embedding model name or local path.")] = (
        "all-MiniLM-L6-v2"
    ),
    holdout: Annotated[int, typer.Option(min=1, help="Articles kept apart, then added.")] = 10,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Index only the first N articles (a quick run).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Build an index of CORPUS in a temp dir; compare with plain encode; time adding articles."""
    from bench.index import IndexBenchRun, run_index_bench, write_json

    console = Console()

    def report(number: int, run: IndexBenchRun) -> None:
        console.print(
            f"run {number + 1}/{repeats}: {run.chunks} chunks in {run.seconds_total:.1f} s "
            f"(embedding {run.seconds_embedding:.1f} s, tagging {run.seconds_tagging:.1f} s, "
            f"ceiling {run.seconds_ceiling:.1f} s)"
        )

    try:
        result = run_index_bench(
            corpus,
            repeats=repeats,
            batch_size=batch_size,
            model=model,
            holdout=holdout,
            limit=limit,
            progress=progress,
            on_run=report,
        )
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    write_json(result, out)
    console.print(_table(result))
    console.print(f"wrote {out}")


def _table(result: dict[str, Any]) -> Table:
    med = result["median"]
    machine = result["machine"]
    table = Table(
        title=f"index benchmark (median of {result['config']['repeats']}, "
        f"batch {result['config']['batch_size']})",
        caption=f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB, "
        f"python {machine['python']}, torch {machine['torch']} ({machine['torch_threads']} "
        f"threads), load {machine['load_average'][0]:.1f}",
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    goals = result["goals"]
    rows = [
        ("articles", f"{med['articles']:.0f}"),
        ("chunks", f"{med['chunks']:.0f}"),
        ("build seconds", f"{med['seconds_total']:.1f}"),
        ("chunks/s", f"{med['chunks_per_s']:.1f}"),
        ("embedding tokens/s", f"{med['embedding_tokens_per_s']:.0f}"),
        ("share of time embedding", f"{med['embedding_share']:.1%}"),
        ("ceiling (plain encode) chunks/s", f"{med['ceiling_chunks_per_s']:.1f}"),
        ("share of time tagging sentences", f"{med['tagging_share']:.1%}"),
        (
            "pipeline without tagging / ceiling (goal >= 0.9)",
            f"{med['ratio_untagged_pipeline_to_ceiling']:.2f} "
            + ("ok" if goals["pipeline_vs_ceiling"]["met"] else "MISSED"),
        ),
        ("whole pipeline / ceiling", f"{med['ratio_pipeline_to_ceiling']:.2f}"),
        ("embedding step / ceiling", f"{med['ratio_embedding_to_ceiling']:.2f}"),
        (
            f"add {med['add_articles']:.0f} articles: seconds (goal: <= models + 2 s)",
            f"{med['add_seconds_total']:.2f} (embedding {med['add_seconds_embedding']:.2f}, "
            f"tagging {med['add_seconds_tagging']:.2f}) "
            + ("ok" if goals["add_10"]["met"] else "MISSED"),
        ),
        ("peak RSS MiB", f"{result['peak_rss_mib']:.0f}"),
        ("model load seconds", f"{result['model_load_seconds']:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


@app.command("service")
def bench_service(
    index: Annotated[
        Path | None, typer.Option(help="Index to serve (default: NEWSQA_INDEX_DIR).")
    ] = None,
    questions: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, help="Questions file (JSON Lines, `question`)."),
    ] = Path("../shared/data/questions/realtimeqa.jsonl"),
    limit: Annotated[
        int, typer.Option(min=1, help="Distinct questions; phases repeat none while they last.")
    ] = 1000,
    warmup: Annotated[int, typer.Option(min=0, help="Requests before measuring.")] = 20,
    requests: Annotated[int, typer.Option(min=1, help="Measured requests per endpoint.")] = 200,
    concurrency: Annotated[int, typer.Option(min=1, help="Clients in the load phase.")] = 8,
    repeats: Annotated[
        int, typer.Option(min=1, help="Fresh servers measured; figures are medians.")
    ] = 3,
    out: Annotated[Path, typer.Option(help="Where to write the JSON.")] = Path(
        "bench/results/service.json"
    ),
) -> None:
    """Serve INDEX with `newsqa serve` and measure latency, throughput, memory and cold start."""
    from bench.service import questions_from_jsonl, run_service_benchmark
    from service.config import get_settings

    index_dir = index or get_settings().index_dir
    try:
        run_service_benchmark(
            index_dir,
            questions_from_jsonl(questions, limit=limit),
            warmup=warmup,
            requests=requests,
            concurrency=concurrency,
            repeats=repeats,
            out=out,
        )
    except (ValueError, RuntimeError) as exc:
        Console().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command("retrieval")
def bench_retrieval(
    index: Annotated[
        Path | None, typer.Option(help="Index to read (default: NEWSQA_INDEX_DIR).")
    ] = None,
    questions: Annotated[
        Path,
        typer.Option(
            exists=True, dir_okay=False, help="Questions file (JSON Lines, `question`, `asked_at`)."
        ),
    ] = Path("../shared/data/questions/realtimeqa.jsonl"),
    per_repeat: Annotated[int, typer.Option(min=1, help="Fresh questions per repeat.")] = 200,
    repeats: Annotated[int, typer.Option(min=1, help="Passes; figures are medians.")] = 3,
    out: Annotated[Path, typer.Option(help="Where to write the JSON.")] = Path(
        "bench/results/retrieval.json"
    ),
) -> None:
    """Time each retrieval stage in process: embedding, each leg, search, answer."""
    from bench.index import write_json
    from bench.retrieval import questions_with_dates, run_retrieval_benchmark
    from service.config import get_settings

    console = Console()

    def report(number: int, run: dict[str, dict[str, float]]) -> None:
        console.print(
            f"run {number + 1}/{repeats}: search p50 {run['search']['p50']:.2f} ms, "
            f"embedding {run['embed_query']['p50']:.2f} ms, ask {run['ask']['p50']:.2f} ms"
        )

    index_dir = index or get_settings().index_dir
    asked = questions_with_dates(questions, per_repeat * repeats)
    try:
        result = run_retrieval_benchmark(index_dir, asked, repeats=repeats, on_run=report)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    write_json(result, out)
    machine = result["machine"]
    table = Table(
        title=f"in-process stages, index {result['index_version']} ({result['chunks']} chunks)",
        caption=f"{result['questions_per_repeat']} questions x {repeats}; {machine['cpu']}, "
        f"{machine['cores']} cores, load {machine['load_average'][0]:.1f}",
    )
    for column in ("stage", "p50 ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage, figures in result["stages_ms"].items():
        table.add_row(stage, f"{figures['p50']:.2f}", f"{figures['p95']:.2f}")
    console.print(table)
    console.print(f"wrote {out}")


@app.command("names")
def bench_names(
    corpus: Annotated[
        Path, typer.Option(exists=True, help="The articles the index was built from.")
    ] = Path("corpus"),
    index: Annotated[
        Path | None, typer.Option(help="Index to read (default: NEWSQA_INDEX_DIR).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Names drawn (seeded).")] = 200,
    out: Annotated[Path, typer.Option(help="Where to write the JSON.")] = Path(
        "bench/results/names.json"
    ),
) -> None:
    """Ask "What is X?" for names one article writes; how often is that article found?"""
    from bench.index import write_json
    from bench.names import run_names_benchmark
    from indexer.sources.read import read_sources
    from service.config import get_settings

    console = Console()
    report = read_sources([corpus])
    try:
        result = run_names_benchmark(
            index or get_settings().index_dir, report.articles, limit=limit
        )
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    write_json(result, out)
    config, machine = result["config"], result["machine"]
    table = Table(
        title=f"name-only questions: {config['names']} of {config['of']} names one article "
        f"of {corpus} writes",
        caption=f"{machine['cpu']}, {machine['cores']} cores",
    )
    for column in ("found within", "share"):
        table.add_column(column, justify="right")
    for cutoff, share in result["hit_at"].items():
        table.add_row(f"top {cutoff}", f"{share:.3f}")
    console.print(table)
    console.print(f"wrote {out}")


app.command("generative")(generative)  # bench/generative_cli.py
app.command("slack")(slack)  # bench/slack_cli.py
app.command("scale")(scale)  # bench/scale_cli.py
app.add_typer(reliability_app, name="reliability")  # bench/reliability_cli.py
