"""Aggregates questions.jsonl rows into summary.json: means, calibration, latency, breakdowns."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any

from eval import metrics

Row = dict[str, Any]

# The few metrics shown per group in the breakdowns (by type, source, year).
BREAKDOWN_KEYS = (
    "hybrid.hit@5",
    "hybrid.mrr@10",
    "hybrid.answer_recall@10",
    "exact_match",
    "f1",
    "contains",
    "correct",
)


def metric_means(rows: Sequence[Row]) -> dict[str, dict[str, float | int | None]]:
    """Every flat score key: its mean over the questions it applies to, and how many."""
    values: dict[str, list[float]] = defaultdict(list)
    keys: set[str] = set()
    for row in rows:
        for key, value in row["scores"].items():
            keys.add(key)
            if value is not None:
                values[key].append(float(value))
    return {key: {"mean": metrics.mean(values[key]), "n": len(values[key])} for key in sorted(keys)}


def _group(rows: Sequence[Row], keys_of: Callable[[Row], Iterable[str]]) -> dict[str, Any]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for key in keys_of(row) or ["unknown"]:
            groups[key].append(row)
    out: dict[str, Any] = {}
    for name in sorted(groups):
        means = metric_means(groups[name])
        out[name] = {"count": len(groups[name])} | {
            k: means[k]["mean"] for k in BREAKDOWN_KEYS if k in means
        }
    return out


# Fallbacks that come after a call to the LLM was attempted (the others make no call:
# circuit_open, upstream_address_refused, llm_not_configured, low_confidence's reader answer).
_CALLED_THEN_FELL_BACK = (
    "upstream_error",
    "upstream_timeout",
    "upstream_deadline",
    "upstream_unavailable",
    "upstream_rate_limited",
    "upstream_malformed",
    "upstream_too_large",
    "upstream_stream_error",
    "upstream_incomplete",
    "upstream_rejected",
)


def answer_modes(rows: Sequence[Row]) -> dict[str, Any]:
    """How the answers were made: `mode_used` counts, and how often the LLM was called (an
    answer it gave, or a call that failed and fell back), which is what auto mode costs."""
    used = Counter(str(r.get("mode_used")) for r in rows if r.get("mode_used"))
    called = sum(
        r.get("mode_used") == "generative" or r.get("fallback_reason") in _CALLED_THEN_FELL_BACK
        for r in rows
    )
    return {
        "mode_used": dict(sorted(used.items())),
        "llm_called": called,
        "llm_called_share": called / len(rows) if rows else None,
    }


def aggregate(rows: Sequence[Row]) -> dict[str, Any]:
    """The aggregates of one set of rows (a dataset, or all of them); failed rows excluded."""
    ok = [r for r in rows if not r.get("error")]
    answered = [r for r in ok if r.get("abstained") is not None]
    confident = [r for r in answered if not r["abstained"]]
    confidences = [float(r["confidence"]) for r in confident]
    buckets, ece = metrics.calibration(
        confidences, [bool(r["scores"].get("correct")) for r in confident]
    )
    chance = metrics.chance_ece(confidences)
    modes = sorted({m for r in ok for m in r["timings"]["search_ms"]})
    return {
        "count": len(rows),
        "failed": len(rows) - len(ok),
        "metrics": metric_means(ok),
        "abstention": metrics.abstention_scores(
            [bool(r["abstained"]) for r in answered],
            [bool(r["gold"]["unanswerable"]) for r in answered],
        ),
        "calibration": {
            "buckets": [asdict(b) for b in buckets],
            "ece": ece,
            # What a perfectly calibrated reader scores on these answers by chance: the floor
            # a small set's ECE is read against.
            "chance_ece": None if chance is None else asdict(chance),
        },
        # Of what was answered (not abstained), the share that was right: the other side of
        # abstention, which a reader that abstains more must keep up.
        "answered": {
            "count": len(confident),
            "share": len(confident) / len(answered) if answered else None,
            "precision": (
                sum(bool(r["scores"].get("correct")) for r in confident) / len(confident)
                if confident
                else None
            ),
        },
        "answer_modes": answer_modes(answered),
        "latency_ms": {
            "ask": metrics.percentiles([r["timings"]["ask_ms"] for r in answered]),
            "search": {
                m: metrics.percentiles(
                    [r["timings"]["search_ms"][m] for r in ok if m in r["timings"]["search_ms"]]
                )
                for m in modes
            },
        },
        # A question with gold articles from two outlets (or years) counts in both groups.
        "by_type": _group(ok, lambda r: [r["type"]]),
        "by_source": _group(ok, lambda r: r["gold"]["sources"]),
        "by_year": _group(ok, lambda r: r["gold"]["years"]),
    }


def summarize(rows: Sequence[Row]) -> dict[str, Any]:
    """Aggregates per dataset and over all rows."""
    by_dataset: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_dataset[row["dataset"]].append(row)
    return {
        "overall": aggregate(rows),
        "datasets": {name: aggregate(rs) for name, rs in sorted(by_dataset.items())},
    }
