"""`newsqa bench scale`: the command line over `bench.scale` (mounted by bench/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench.scale import SIZES, SPECS, Measured, run_scale_benchmark

_out = Console(soft_wrap=True)
_SIZES = ",".join(map(str, SIZES))


def scale(
    index: Annotated[
        Path, typer.Option(help="A FAISS index whose chunk vectors seed the data.")
    ] = Path("var/eval-index"),
    questions: Annotated[
        Path, typer.Option(help="Questions (JSONL) embedded as the queries.")
    ] = Path("../shared/data/questions/realtimeqa.jsonl"),
    sizes: Annotated[str, typer.Option(help="Comma list of vector counts.")] = _SIZES,
    indexes: Annotated[str, typer.Option(help="Comma list of index names.")] = ",".join(SPECS),
    work: Annotated[
        Path, typer.Option(help="Scratch folder for data and indexes (GBs at 1M).")
    ] = Path("var/bench-scale"),
    out: Annotated[Path, typer.Option(help="JSON results.")] = Path("bench/results/scale.json"),
    queries: Annotated[int, typer.Option(help="Questions searched per index.")] = 1000,
    reuse_builds: Annotated[
        bool, typer.Option("--reuse-builds", help="Search indexes an earlier run built in WORK.")
    ] = False,
) -> None:
    """Build time, memory, p50/p95 and recall@10 of FAISS indexes and Milvus Lite at 100k-1M."""
    import json

    names = [n.strip() for n in indexes.split(",") if n.strip()]
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise typer.BadParameter(f"unknown index {unknown[0]!r}; choose from {', '.join(SPECS)}")
    result = run_scale_benchmark(
        index,
        questions,
        work,
        sizes=[int(s) for s in sizes.split(",")],
        indexes=names,
        queries=queries,
        reuse_builds=reuse_builds,
        on_result=lambda m: _out.print(_line(m), highlight=False),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _out.print(table(result))
    _out.print(f"written {out}")


def _line(m: Measured) -> str:
    if m.skipped:
        return f"{m.index} @ {m.size}: skipped ({m.skipped})"
    best = m.chosen or (m.sweep[-1] if m.sweep else {})
    return (
        f"{m.index} @ {m.size}: build {m.build_s:.0f} s, RSS {m.search_rss_mib:.0f} MiB, "
        f"recall {best.get('recall_at_10', 0):.3f}, p95 {best.get('p95_ms', 0):.2f} ms"
    )


def table(result: dict[str, Any]) -> Table:
    """One row per index and size: its cheapest setting meeting the recall goal (else its best)."""
    view = Table(title="vector search at scale (recall@10 against exact search)")
    for column in ("size", "index", "setting", "recall@10", "p50 / p95 ms", "RSS MiB", "build s"):
        view.add_column(column, justify="left" if column in ("index", "setting") else "right")
    for row in result["results"]:
        if row["skipped"]:
            view.add_row(f"{row['size']:,}", row["index"], row["skipped"], "", "", "", "")
            continue
        best = row["chosen"] or max(row["sweep"], key=lambda s: s["recall_at_10"])
        setting = f"{best['knob']}={best['value']}" if best["knob"] else "exact"
        view.add_row(
            f"{row['size']:,}",
            row["index"],
            setting,
            f"{best['recall_at_10']:.3f}",
            f"{best['p50_ms']:.2f} / {best['p95_ms']:.2f}",
            f"{row['search_rss_mib']:.0f}",
            f"{row['build_s']:.0f}",
        )
    return view
