"""PNG plots of a run. Uses matplotlib's Figure directly (Agg canvas): no pyplot global state."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here or in CI; set before anything draws
from matplotlib.figure import Figure

Row = dict[str, Any]
TYPE_KEYS = ("hybrid.hit@5", "hybrid.mrr@10", "exact_match", "f1", "correct")


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def metrics_by_type(by_type: dict[str, dict[str, Any]], path: Path) -> Path:
    """Grouped bars: a few headline metrics for each question type."""
    types = sorted(by_type)
    fig = Figure(figsize=(max(6.0, 1.6 * len(types) + 2), 4))
    ax = fig.add_subplot()
    width = 0.8 / len(TYPE_KEYS)
    for i, key in enumerate(TYPE_KEYS):
        values = [by_type[t].get(key) or 0.0 for t in types]
        ax.bar([x + i * width for x in range(len(types))], values, width, label=key)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(types))], types, rotation=15)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score")
    ax.set_title("Metrics by question type")
    # Below the axes: bars reach 1.0 and a legend inside would hide them.
    ax.legend(
        fontsize="small", ncol=len(TYPE_KEYS), loc="upper center", bbox_to_anchor=(0.5, -0.18)
    )
    return _save(fig, path)


def recall_curve(rows: Sequence[Row], path: Path, max_k: int = 10) -> Path:
    """Article Hit@k and answer recall@k against k, one line per retrieval mode."""
    ok = [r for r in rows if not r.get("error")]
    modes = sorted({m for r in ok for m in r.get("retrieval", {})})
    ks = list(range(1, max_k + 1))
    fig = Figure(figsize=(10, 4))
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for mode in modes:
        # Rows of a resumed run may lack a mode that the first part did not score.
        scored = [r for r in ok if mode in r["retrieval"]]
        with_gold = [r for r in scored if r["gold"]["gold_ids"]]
        firsts = [min(r["retrieval"][mode]["gold_ranks"], default=None) for r in with_gold]
        if firsts:
            left.plot(
                ks,
                [sum(1 for f in firsts if f and f <= k) / len(firsts) for k in ks],
                marker="o",
                label=mode,
            )
        # The questions answer recall applies to (not unanswerable, not Yes/No).
        answerable = [r for r in scored if r["scores"].get(f"{mode}.answer_recall@1") is not None]
        ranks = [r["retrieval"][mode]["answer_rank"] for r in answerable]
        if ranks:
            right.plot(
                ks,
                [sum(1 for a in ranks if a and a <= k) / len(ranks) for k in ks],
                marker="o",
                label=mode,
            )
    for ax, title in ((left, "Gold article Hit@k"), (right, "Answer recall@k (chunks)")):
        ax.set_xlabel("k")
        ax.set_ylim(0, 1.03)  # room for the markers at 1.0
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if modes:
            ax.legend(fontsize="small")
    return _save(fig, path)


def latency_histogram(rows: Sequence[Row], path: Path) -> Path:
    """Per-question /ask latency, with p50 and p95 marked."""
    values = [r["timings"]["ask_ms"] for r in rows if not r.get("error")]
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    if values:
        ax.hist(values, bins=min(40, max(5, len(values) // 5)), color="tab:blue", alpha=0.8)
        ordered = sorted(values)
        for q, style in ((0.5, "--"), (0.95, ":")):
            ax.axvline(
                ordered[min(len(ordered) - 1, int(q * len(ordered)))],
                color="k",
                linestyle=style,
                label=f"p{int(q * 100)}",
            )
        ax.legend()
    ax.set_xlabel("ask latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question")
    return _save(fig, path)


def calibrated_spread(confidence: float, count: int) -> float:
    """Half the range (95%) of the accuracy of `count` answers, each right with probability
    `confidence`: the normal approximation of the binomial, wide where a bucket holds few."""
    return 1.96 * math.sqrt(confidence * (1 - confidence) / count)


def calibration_curve(sets: Mapping[str, Sequence[dict[str, Any]]], path: Path) -> Path:
    """Reliability diagram per question set: accuracy against mean confidence per bucket of
    answered questions. About the diagonal, at each bucket's confidence, the range (95%) that
    a perfectly calibrated reader's accuracy falls in with that many answers: on a small set a
    point outside it is miscalibration, one inside may be chance."""
    fig = Figure(figsize=(6, 6))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect")
    for name, buckets in sets.items():
        filled = [b for b in buckets if b["count"]]
        if not filled:
            continue
        confidence = [b["confidence"] for b in filled]
        (line,) = ax.plot(confidence, [b["accuracy"] for b in filled], marker="o", label=name)
        spread = [calibrated_spread(b["confidence"], b["count"]) for b in filled]
        ax.errorbar(
            confidence, confidence, yerr=spread, fmt="none", ecolor=line.get_color(), alpha=0.35
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title("Calibration (bars: a calibrated reader's 95% range)")
    ax.legend(fontsize="small")
    return _save(fig, path)


def write_all(rows: Sequence[Row], summary: dict[str, Any], out_dir: Path) -> list[Path]:
    """Every plot of a run, into out_dir."""
    overall = summary["overall"]
    return [
        metrics_by_type(overall["by_type"], out_dir / "metrics_by_type.png"),
        recall_curve(rows, out_dir / "recall_at_k.png"),
        latency_histogram(rows, out_dir / "latency.png"),
        calibration_curve(
            {name: agg["calibration"]["buckets"] for name, agg in summary["datasets"].items()},
            out_dir / "calibration.png",
        ),
    ]
