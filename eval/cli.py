"""`newsqa eval run`, `newsqa eval compare` and `newsqa eval calibrate` (a `newsqa` plugin)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from eval import plots, provenance, report, summary
from eval.backends import Backend, EngineBackend, HttpBackend
from eval.calibrate import app as calibrate_app
from eval.compare import compare_runs
from eval.run import (
    DatasetSpec,
    RunOptions,
    default_out_dir,
    execute,
    options_from,
    pending,
    prepare,
)
from eval.suites import Suite, SuiteError, load_suite
from eval.unanswerable import app as unanswerable_app
from indexer.errors import IndexError_, IngestError
from indexer.hashing import sha256_file

app = typer.Typer(no_args_is_help=True, help="Offline evaluation runs and comparisons.")
app.add_typer(calibrate_app, name="calibrate")
app.add_typer(unanswerable_app, name="unanswerable")
console = Console(stderr=True)

HEADLINE = (
    ("hybrid Hit@5", "hybrid.hit@5"),
    ("hybrid MRR@10", "hybrid.mrr@10"),
    ("answer recall@10", "hybrid.answer_recall@10"),
    ("exact match", "exact_match"),
    ("F1", "f1"),
    ("contains", "contains"),
    ("correct", "correct"),
)


def _say(message: str, style: str | None = None) -> None:
    # No markup and no wrapping: paths and messages come out as they are, one line each.
    console.print(message, style=style, markup=False, highlight=False, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    _say(f"error: {message}", "red")
    return typer.Exit(2)


def _preflight(client: httpx.Client) -> None:
    """Fails fast on a service that is down or has no index, not once per question."""
    try:
        response = client.get("/readyz")
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach {client.base_url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 503:
        raise _fail(f"{client.base_url} is up but not ready (no index loaded)")


@contextmanager
def _backend(
    url: str | None, index_dir: Path | None, api_key: str | None, timeout_s: float
) -> Iterator[Backend]:
    if url:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        with httpx.Client(base_url=url, headers=headers, timeout=timeout) as client:
            _preflight(client)
            yield HttpBackend(client)
        return
    from service.config import Settings
    from service.engine import QAEngine
    from service.generative.blocking import BlockingAnswerer

    settings = Settings(index_dir=index_dir) if index_dir else Settings()
    engine = QAEngine(settings)
    engine.warm_up()
    if engine.index is None:
        engine.close()
        raise _fail(f"no index in {settings.index_dir}; build one with `newsqa index build`")
    recorded = settings.model_dump(mode="json", exclude={"api_keys", "llm_api_key"})
    # Answers in every mode (the LLM where NEWSQA_LLM_BASE_URL is set); closes the engine.
    with BlockingAnswerer(engine, settings) as answerer:
        yield EngineBackend(answerer, recorded)


def _options(suite: Suite | None, overrides: dict[str, Any]) -> RunOptions:
    merged = dict(suite.options) if suite else {}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return options_from(merged)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _refresh_index(corpus: tuple[Path, ...], index_dir: Path | None) -> None:
    """Builds the suite's index where it is missing or stale (a no-op when up to date)."""
    from indexer.pipeline.run import build_index
    from service.config import Settings
    from service.stores import index_location

    settings = Settings(index_dir=index_dir) if index_dir else Settings()
    location = index_location(settings)  # NEWSQA_STORE=milvus: the Milvus deployment
    _say(f"index {location.describe()}: refreshing from {', '.join(map(str, corpus))} if stale")
    try:
        build_index(list(corpus), location, settings.index_config(), if_stale=True)
    finally:
        location.close()


def _summary_table(agg: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    for label, key in HEADLINE:
        entry = agg["metrics"].get(key, {"mean": None, "n": 0})
        table.add_row(label, report.fmt(entry["mean"]), str(entry["n"]))
    lat = agg["latency_ms"]["ask"]
    table.add_row(
        "ask p50 / p95 ms",
        f"{report.fmt(lat['p50'], 0)} / {report.fmt(lat['p95'], 0)}",
        str(lat["count"]),
    )
    table.add_row("failed", str(agg["failed"]), str(agg["count"]))
    return table


@app.command("run")
def run_command(
    dataset: Annotated[
        list[Path] | None, typer.Option("--dataset", help="Question file (JSONL); repeatable.")
    ] = None,
    suite_path: Annotated[Path | None, typer.Option("--suite", help="Suite TOML.")] = None,
    index: Annotated[Path | None, typer.Option("--index", help="Index directory.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="A running service instead.")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="NEWSQA_EVAL_API_KEY", help="Bearer key for --url.")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="auto, extractive or generative.")] = None,
    limit: Annotated[int | None, typer.Option(help="Sample N questions per dataset.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the --limit sample.")] = None,
    ids: Annotated[Path | None, typer.Option(help="Only these ids (one a line).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder; an existing one is resumed.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Run name for the folder.")] = None,
    retrieval_modes: Annotated[
        str | None, typer.Option(help="Comma list of search legs to score, e.g. hybrid.")
    ] = None,
    top_k: Annotated[int | None, typer.Option(help="Passages /ask reads.")] = None,
    search_top_k: Annotated[int | None, typer.Option(help="Chunks per search call.")] = None,
    no_as_of: Annotated[
        bool, typer.Option("--no-as-of", help="Ask without the questions' dates (question only).")
    ] = False,
    timeout: Annotated[float, typer.Option(help="HTTP timeout per call (s).")] = 60.0,
) -> None:
    """Evaluate retrieval and answers over question files; writes a run folder."""
    try:
        suite = load_suite(suite_path) if suite_path else None
    except SuiteError as exc:
        raise _fail(str(exc)) from exc
    specs = list(suite.datasets) if suite else []
    specs += [DatasetSpec(name=p.stem, path=p, ids=ids) for p in dataset or []]
    if not specs:
        raise _fail("give --dataset FILE (repeatable) or --suite TOML")
    if url and index:
        raise _fail("give --index or --url, not both")
    options = _options(
        suite,
        {
            "answer_mode": mode,
            "limit": limit,
            "seed": seed,
            "top_k": top_k,
            "search_top_k": search_top_k,
            "retrieval_modes": retrieval_modes.split(",") if retrieval_modes else None,
            "use_as_of": False if no_as_of else None,
        },
    )
    try:
        prepared = prepare(specs, options)
    except IngestError as exc:
        raise _fail(str(exc)) from exc
    problems = [str(p) for p in prepared.problems]
    for line in problems:
        _say(f"skipped {line}", "yellow")
    run_name = name or (suite.name if suite else "+".join(s.name for s in specs))
    out_dir = out or default_out_dir(Path("runs"), run_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    url = url or (suite.url if suite and not index else None)
    index = index or (suite.index_dir if suite else None)

    try:
        if suite and suite.corpus and not url:
            _refresh_index(suite.corpus, index)
        with _backend(url, index, api_key, timeout) as backend:
            config = {
                "name": run_name,
                "started_at": datetime.now(UTC).isoformat(),
                "argv": sys.argv,
                "suite": str(suite_path) if suite_path else None,
                "options": asdict(options),
                "datasets": {
                    n: d | {"sha256": sha256_file(Path(d["path"]))}
                    for n, d in prepared.datasets.items()
                },
                "system": backend.describe(),
                "libraries": provenance.library_versions(),
                "git": provenance.git_state(Path.cwd()),
            }
            (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
            todo = pending(prepared.questions, out_dir)
            _say(
                f"{len(prepared.questions)} questions, {len(prepared.questions) - len(todo)} "
                f"already done; writing {out_dir}"
            )
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("evaluating", total=len(todo))
                rows = execute(
                    backend,
                    prepared.questions,
                    out_dir,
                    options,
                    on_done=lambda q, _row: progress.update(
                        task, advance=1, description=f"{q.dataset}"
                    ),
                )
            config["system"] = backend.describe()
    except (IndexError_, IngestError) as exc:
        raise _fail(str(exc)) from exc

    result = summary.summarize(rows)
    result["problems"] = problems
    failures = [f"{r['dataset']}/{r['id']}: {r['error']}" for r in rows if r.get("error")]
    config["failures"] = failures
    config["finished_at"] = datetime.now(UTC).isoformat()
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (out_dir / "summary.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    plots.write_all(rows, result, out_dir)
    (out_dir / "report.md").write_text(report.render(result, config, problems), encoding="utf-8")
    Console().print(_summary_table(result["overall"], f"{run_name}: {len(rows)} questions"))
    _say(f"report: {out_dir / 'report.md'}")
    if failures:
        _say(f"{len(failures)} questions failed; rerun with --out {out_dir}", "red")
        raise typer.Exit(1)


@app.command("compare")
def compare_command(
    run_a: Annotated[Path, typer.Argument(help="Baseline run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Run folder to compare with it.")],
    out: Annotated[
        Path | None, typer.Option(help="Where compare.md goes (default: RUN_B).")
    ] = None,
) -> None:
    """Per-metric deltas with paired bootstrap intervals, and the questions that flipped."""
    out_dir = out or run_b / f"compare-{run_a.name}"
    try:
        result = compare_runs(run_a, run_b, out_dir)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    table = Table(title=f"{run_b.name} - {run_a.name} ({result['paired']} questions)")
    for column in ("metric", "A", "B", "delta", "95% interval"):
        table.add_column(column)
    for d in result["deltas"]:
        if d["metric"] in {k for _, k in HEADLINE}:
            table.add_row(
                d["metric"],
                report.fmt(d["mean_a"]),
                report.fmt(d["mean_b"]),
                report.fmt(d["delta"]),
                f"[{report.fmt(d['ci_low'])}, {report.fmt(d['ci_high'])}]",
            )
    Console().print(table)
    flips = result["flips"]
    _say(
        f"flipped: {len(flips['correct_to_wrong'])} correct->wrong, "
        f"{len(flips['wrong_to_correct'])} wrong->correct; report: {out_dir / 'compare.md'}"
    )
