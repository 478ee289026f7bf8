"""report.md of a run: headline tables, MultiHop-RAG's own metrics apart, breakdowns, plots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RETRIEVAL_COLUMNS = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "recall@10",
    "answer_recall@1",
    "answer_recall@5",
    "answer_recall@10",
)
ANSWER_COLUMNS = ("exact_match", "f1", "contains", "yes_no", "correct")
MHRAG_COLUMNS = ("hits@4", "hits@10", "map@10", "mrr@10")
BREAKDOWN_COLUMNS = ("hybrid.hit@5", "hybrid.mrr@10", "exact_match", "f1", "contains", "correct")


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    # A "|" inside a cell (an outlet named "The Roar | Sports Writers Blog") would split it.
    lines += ["| " + " | ".join(fmt(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _mean(agg: dict[str, Any], key: str) -> float | None:
    entry = agg["metrics"].get(key)
    return entry["mean"] if entry else None


def _n(agg: dict[str, Any], key: str) -> int:
    entry = agg["metrics"].get(key)
    return int(entry["n"]) if entry else 0


def _modes(agg: dict[str, Any]) -> list[str]:
    found = {k.split(".")[0] for k in agg["metrics"] if k.endswith(".hit@1")}
    return [m for m in ("keyword", "dense", "hybrid") if m in found] + sorted(
        found - {"keyword", "dense", "hybrid"}
    )


def _chance(chance: dict[str, float] | None) -> str:
    """The ECE a calibrated reader would score on the same answers, by chance alone."""
    if not chance:
        return ""
    return (
        f" (a perfectly calibrated reader's on these answers: {fmt(chance['mean'])} by chance, "
        f"{fmt(chance['p95'])} at the 95th percentile)"
    )


def section(name: str, agg: dict[str, Any]) -> list[str]:
    """The tables of one dataset (or of all)."""
    out = [f"## {name}", "", f"{agg['count']} questions, {agg['failed']} failed.", ""]
    modes = _modes(agg)
    if modes:
        out += ["### Retrieval (article level; answer recall over chunks)", ""]
        out += table(
            ["mode", *RETRIEVAL_COLUMNS],
            [[m, *(_mean(agg, f"{m}.{c}") for c in RETRIEVAL_COLUMNS)] for m in modes],
        )
        out += [
            "",
            f"Questions with gold articles: {_n(agg, 'hybrid.hit@1')}; "
            f"with several (Recall@10): {_n(agg, 'hybrid.recall@10')}.",
            "",
        ]
    out += ["### Answers", ""]
    out += table(
        ["metric", "value", "questions"], [[c, _mean(agg, c), _n(agg, c)] for c in ANSWER_COLUMNS]
    )
    ab, cal, said = agg["abstention"], agg["calibration"], agg.get("answered", {})
    out += [
        "",
        f"Abstention: precision {fmt(ab['precision'])}, recall {fmt(ab['recall'])} "
        f"({ab['abstained']} abstained, {ab['unanswerable']} unanswerable). "
        f"Answered {said.get('count', '—')} ({fmt(said.get('share'))} of the questions), "
        f"of which right (answered precision): {fmt(said.get('precision'))}. "
        f"Expected calibration error: {fmt(cal['ece'])}{_chance(cal.get('chance_ece'))}.",
        "",
    ]
    llm = agg.get("answer_modes")
    if llm and llm["llm_called_share"] is not None:
        out += [
            f"Answer modes: {', '.join(f'{m} {n}' for m, n in llm['mode_used'].items())}; "
            f"the LLM was called for {llm['llm_called']} questions "
            f"({fmt(llm['llm_called_share'])}).",
            "",
        ]
    lat = agg["latency_ms"]
    lat_rows = [
        [call, fmt(v["p50"], 1), fmt(v["p95"], 1), v["count"]]
        for call, v in [
            ("ask", lat["ask"]),
            *((f"search ({m})", v) for m, v in lat["search"].items()),
        ]
    ]
    out += ["### Latency (ms, per question, as the evaluator saw it)", ""]
    out += [*table(["call", "p50", "p95", "n"], lat_rows), ""]
    mh_modes = [m for m in modes if f"mhrag.{m}.hits@10" in agg["metrics"]]
    if mh_modes or "mhrag.qa_accuracy" in agg["metrics"]:
        out += [
            "### MultiHop-RAG metrics (the authors' definitions; not ours)",
            "",
            "Null queries excluded from retrieval; a chunk is relevant where it contains a "
            "gold evidence sentence (spaces removed). Their QA accuracy counts an answer "
            "right when it shares one lower-cased word with the gold: a weak rule, shown "
            "beside exact match, not instead of it.",
            "",
        ]
        if mh_modes:
            out += table(
                ["mode", *MHRAG_COLUMNS, "queries"],
                [
                    [
                        m,
                        *(_mean(agg, f"mhrag.{m}.{c}") for c in MHRAG_COLUMNS),
                        _n(agg, f"mhrag.{m}.hits@10"),
                    ]
                    for m in mh_modes
                ],
            )
        out += [
            "",
            f"QA accuracy (theirs): {fmt(_mean(agg, 'mhrag.qa_accuracy'))} over "
            f"{_n(agg, 'mhrag.qa_accuracy')} questions; exact match (ours): "
            f"{fmt(_mean(agg, 'exact_match'))}.",
            "",
        ]
    for title, key in (
        ("question type", "by_type"),
        ("gold source", "by_source"),
        ("gold article year", "by_year"),
    ):
        groups = agg[key]
        if groups:
            out += [f"### By {title}", ""]
            out += [
                *table(
                    [title, "n", *BREAKDOWN_COLUMNS],
                    [
                        [g, v["count"], *(v.get(c) for c in BREAKDOWN_COLUMNS)]
                        for g, v in groups.items()
                    ],
                ),
                "",
            ]
    return out


def render(summary: dict[str, Any], config: dict[str, Any], problems: Sequence[str]) -> str:
    """The whole report.md."""
    index = config.get("system", {}).get("index", {})
    out = [
        f"# Evaluation run {config.get('name', '')}",
        "",
        f"Started {config.get('started_at')}; git {config.get('git', {}).get('commit')}"
        f"{' (uncommitted changes)' if config.get('git', {}).get('dirty') else ''}; "
        f"answer mode {config.get('options', {}).get('answer_mode')}; index "
        f"{index.get('version') or index.get('versions_seen')}.",
        "",
        "Correct = abstained on an unanswerable question, else a gold answer inside the "
        "answer (normalised). Article metrics count a retrieved copy of a de-duplicated "
        "gold story as a hit.",
        "",
    ]
    out += [
        "![metrics by type](metrics_by_type.png) ![recall@k](recall_at_k.png)",
        "",
        "![latency](latency.png) ![calibration](calibration.png)",
        "",
    ]
    out += section("All datasets", summary["overall"])
    if len(summary["datasets"]) > 1:
        for name, agg in summary["datasets"].items():
            out += section(f"Dataset: {name}", agg)
    if problems:
        out += ["## Skipped input lines", ""] + [f"- {p}" for p in problems] + [""]
    failures = config.get("failures") or []
    if failures:
        out += ["## Failed questions", ""] + [f"- {f}" for f in failures[:50]] + [""]
    return "\n".join(out)
