"""soak: a fixed request rate for minutes; memory must not creep and connections must not leak.

Open loop: requests leave at the set rate whatever the latency (bench/http_driver.py). One in
ten asks something invalid (a 422), so error paths soak too. RSS and open files of the server
and its workers are sampled throughout; the baseline is taken after a warm-up, the last sample
after the run and a short idle (so keep-alive connections the client closed are gone).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    QUESTIONS,
    ensure_index,
    latency_summary,
    serving,
    tree_open_files,
    tree_open_files_by_kind,
    tree_rss_mib,
    write_result,
)
from bench.http_driver import closed_loop, open_loop

SAMPLE_EVERY_S = 10.0
WARMUP_S = 20.0
WARMUP_BURSTS = 20
WORKERS = 2  # newsqa serve's default


def _request(number: int) -> tuple[str, str, bytes]:
    if number % 10 == 9:
        return "POST", "/ask", json.dumps({"question": "\u200b", "top_k": True}).encode()
    question = f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"
    path = "/search" if number % 3 == 2 else "/ask"
    field = "query" if path == "/search" else "question"
    return "POST", path, json.dumps({field: question}).encode()


def _metrics_histograms(pid: int) -> set[str]:
    """The workers' prometheus histogram files (one per worker that has answered) held open."""
    return {
        kind
        for kind in tree_open_files_by_kind(pid)
        if Path(kind).name.startswith("histogram_") and kind.endswith(".db")
    }


def _expected(number: int) -> int:
    return 422 if number % 10 == 9 else 200


def run_soak(
    index_dir: Path | None = None, *, minutes: float = 5.0, rate_per_s: float = 10.0
) -> dict[str, Any]:
    """`rate_per_s` requests a second for `minutes` against `newsqa serve` (two workers)."""
    index_dir = index_dir or ensure_index()
    samples: list[dict[str, float]] = []
    with serving(index_dir) as server:
        host, port = "127.0.0.1", server.port
        asyncio.run(open_loop(host, port, rate_per_s, WARMUP_S, _request))
        # Each worker opens its metrics files when it first answers, so the baseline waits until
        # both have: which worker accepts a connection is the kernel's and the event loop's
        # choice (uvloop accepts a burst of connections at once), so bursts of fresh connections
        # are sent until both workers' histogram files are open.
        for _ in range(WARMUP_BURSTS):
            if len(_metrics_histograms(server.pid)) >= WORKERS:
                break
            asyncio.run(closed_loop(host, port, 32, 64, _request))
        time.sleep(2.0)
        baseline = {"rss_mib": tree_rss_mib(server.pid), "open_files": tree_open_files(server.pid)}
        kinds_before = tree_open_files_by_kind(server.pid)

        async def soak() -> list[Any]:
            started = time.monotonic()

            async def sample() -> None:
                while True:
                    await asyncio.sleep(SAMPLE_EVERY_S)
                    samples.append(
                        {
                            "t_s": round(time.monotonic() - started, 1),
                            "rss_mib": tree_rss_mib(server.pid),
                            "open_files": tree_open_files(server.pid),
                        }
                    )

            sampler = asyncio.create_task(sample())
            try:
                return await open_loop(host, port, rate_per_s, minutes * 60, _request)
            finally:
                sampler.cancel()

        replies = asyncio.run(soak())
        time.sleep(2.0)
        final = {"rss_mib": tree_rss_mib(server.pid), "open_files": tree_open_files(server.pid)}
        kinds_after = tree_open_files_by_kind(server.pid)
    unexpected = [n for n, reply in enumerate(replies) if reply.status != _expected(n)]
    growth = (final["rss_mib"] - baseline["rss_mib"]) / baseline["rss_mib"] * 100
    peak = max([s["rss_mib"] for s in samples] + [final["rss_mib"]])
    result: dict[str, Any] = {
        "server": "newsqa serve, 2 workers, index of corpus/",
        "driver": "asyncio open loop (bench/http_driver.py): /ask and /search, 1 in 10 invalid",
        "minutes": minutes,
        "rate_per_s": rate_per_s,
        "requests": len(replies),
        "unexpected_statuses": len(unexpected),
        "unexpected_examples": sorted(
            {f"{replies[n].status} {replies[n].error}" for n in unexpected}
        )[:5],
        "latency_ms": latency_summary([reply.seconds for reply in replies]),
        "baseline": baseline,
        "final": final,
        "peak_rss_mib": peak,
        "open_files_changed": {
            kind: kinds_after.get(kind, 0) - kinds_before.get(kind, 0)
            for kind in sorted({*kinds_before, *kinds_after})
            if kinds_after.get(kind, 0) != kinds_before.get(kind, 0)
        },
        "rss_growth_percent": round(growth, 2),
        "samples": samples,
        "goals": {
            "RSS growth < 10 %": growth < 10,
            "open files back to baseline": final["open_files"] <= baseline["open_files"],
            "every request answered as expected": not unexpected,
        },
    }
    latency = result["latency_ms"]
    rows = [
        ("rate / minutes / requests", f"{rate_per_s:g}/s / {minutes:g} / {len(replies)}"),
        ("unexpected statuses", str(len(unexpected))),
        ("latency p50 / p99 / max", f"{latency['p50']} / {latency['p99']} / {latency['max']} ms"),
        ("RSS baseline / final / peak", f"{baseline['rss_mib']} / {final['rss_mib']} / {peak} MiB"),
        ("RSS growth", f"{growth:.2f} %"),
        ("open files baseline / final", f"{baseline['open_files']} / {final['open_files']}"),
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]
    write_result("soak", result, rows)
    return result
