"""Run against run: per-metric deltas with paired bootstrap intervals, and flipped questions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # no pyplot: renders with Agg, no global state

from eval.report import fmt, table
from eval.run import ROWS_FILE, latest_rows, read_rows

Row = dict[str, Any]
RESAMPLES = 1000
SEED = 20240601


@dataclass(frozen=True)
class Delta:
    metric: str
    n: int  # questions scored on this metric in both runs
    mean_a: float
    mean_b: float
    delta: float  # b - a
    ci_low: float
    ci_high: float


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, float]:
    """95% interval of mean(b - a), resampling questions with replacement (fixed seed)."""
    diffs = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    if diffs.size == 0:
        raise ValueError("no paired values to resample")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diffs.size, size=(resamples, diffs.size))
    means = diffs[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired(rows_a: Mapping[str, Row], rows_b: Mapping[str, Row]) -> list[str]:
    """Keys of the questions answered (without error) in both runs, in run A's order."""
    return [
        k
        for k in rows_a
        if k in rows_b and not rows_a[k].get("error") and not rows_b[k].get("error")
    ]


def deltas(
    rows_a: Mapping[str, Row], rows_b: Mapping[str, Row], keys: Sequence[str]
) -> list[Delta]:
    metrics = sorted(
        {m for k in keys for m in rows_a[k]["scores"]}
        & {m for k in keys for m in rows_b[k]["scores"]}
    )
    out = []
    for metric in metrics:
        pairs = [(rows_a[k]["scores"].get(metric), rows_b[k]["scores"].get(metric)) for k in keys]
        kept = [(float(x), float(y)) for x, y in pairs if x is not None and y is not None]
        if not kept:
            continue
        xs, ys = [x for x, _ in kept], [y for _, y in kept]
        low, high = paired_bootstrap(xs, ys)
        mean_a, mean_b = sum(xs) / len(xs), sum(ys) / len(ys)
        out.append(Delta(metric, len(kept), mean_a, mean_b, mean_b - mean_a, low, high))
    return out


def flips(
    rows_a: Mapping[str, Row], rows_b: Mapping[str, Row], keys: Sequence[str]
) -> dict[str, list[Row]]:
    """Questions whose `correct` changed between the runs."""

    def brief(k: str) -> Row:
        return {
            "key": k,
            "question": rows_a[k]["question"],
            "gold": rows_a[k]["gold"]["answers"],
            "answer_a": rows_a[k].get("answer"),
            "answer_b": rows_b[k].get("answer"),
        }

    out: dict[str, list[Row]] = {"correct_to_wrong": [], "wrong_to_correct": []}
    for k in keys:
        ca, cb = rows_a[k]["scores"].get("correct"), rows_b[k]["scores"].get("correct")
        if ca is None or cb is None or bool(ca) == bool(cb):
            continue
        out["correct_to_wrong" if ca else "wrong_to_correct"].append(brief(k))
    return out


def plot(items: Sequence[Delta], path: Path) -> Path:
    fig = Figure(figsize=(7, max(3.0, 0.28 * len(items) + 1)))
    ax = fig.add_subplot()
    ys = list(range(len(items)))
    ax.errorbar(
        [d.delta for d in items],
        ys,
        xerr=[[d.delta - d.ci_low for d in items], [d.ci_high - d.delta for d in items]],
        fmt="o",
        capsize=3,
    )
    ax.axvline(0, color="grey", linestyle="--")
    ax.set_yticks(ys, [d.metric for d in items], fontsize="x-small")
    ax.invert_yaxis()
    ax.set_xlabel("B - A (95% paired bootstrap interval)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def render(
    name_a: str, name_b: str, items: Sequence[Delta], flipped: dict[str, list[Row]], n_paired: int
) -> str:
    out = [
        f"# {name_b} versus {name_a}",
        "",
        f"{n_paired} questions in both runs; deltas are B - A with 95% paired bootstrap "
        f"intervals ({RESAMPLES} resamples, seed {SEED}). `*` marks an interval that "
        "excludes 0.",
        "",
        "![deltas](compare.png)",
        "",
    ]
    out += table(
        ["metric", "n", "A", "B", "delta", "95% interval", ""],
        [
            [
                d.metric,
                d.n,
                d.mean_a,
                d.mean_b,
                d.delta,
                f"[{fmt(d.ci_low)}, {fmt(d.ci_high)}]",
                "*" if d.ci_low > 0 or d.ci_high < 0 else "",
            ]
            for d in items
        ],
    )
    for title, key in (
        ("Correct in A, wrong in B", "correct_to_wrong"),
        ("Wrong in A, correct in B", "wrong_to_correct"),
    ):
        out += ["", f"## {title} ({len(flipped[key])})", ""]
        out += table(
            ["question", "gold", "A said", "B said"],
            [
                [
                    f"`{f['key']}` {f['question']}",
                    "; ".join(f["gold"]) or "(none)",
                    f["answer_a"],
                    f["answer_b"],
                ]
                for f in flipped[key]
            ],
        )
    return "\n".join(out) + "\n"


def compare_runs(run_a: Path, run_b: Path, out_dir: Path) -> dict[str, Any]:
    """Writes compare.md, compare.json and compare.png into out_dir; returns the JSON."""
    for run in (run_a, run_b):
        if not (run / ROWS_FILE).exists():
            raise FileNotFoundError(f"{run}: no {ROWS_FILE}; is this a run folder?")
    rows_a, rows_b = (
        latest_rows(read_rows(run_a / ROWS_FILE)),
        latest_rows(read_rows(run_b / ROWS_FILE)),
    )
    keys = paired(rows_a, rows_b)
    if not keys:
        raise ValueError(f"{run_a} and {run_b} have no question in common")
    items = deltas(rows_a, rows_b, keys)
    flipped = flips(rows_a, rows_b, keys)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot(items, out_dir / "compare.png")
    (out_dir / "compare.md").write_text(
        render(run_a.name, run_b.name, items, flipped, len(keys)), encoding="utf-8"
    )
    result = {
        "run_a": str(run_a),
        "run_b": str(run_b),
        "paired": len(keys),
        "only_in_a": len(rows_a) - len(keys),
        "only_in_b": len(rows_b) - len(keys),
        "deltas": [asdict(d) for d in items],
        "flips": flipped,
    }
    (out_dir / "compare.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result
