"""load: /ask throughput and latency at 1, 8 and 32 connections, driven by wrk.

wrk (C, one thread) drives the server so that the load generator does not starve it on two
cores, as a Python client did (52 answers/s where wrk saw 105). wrk is closed-loop: each
connection sends its next request when the last is answered, so the figures are the server's
capacity at that concurrency, and its latency under it (not an arrival-rate schedule). Every
request asks a distinct question (a counter is appended), so no cache of the server flatters a
figure. Each level runs `repeats` times; the table shows medians.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from statistics import median
from typing import Any

from bench.harness import QUESTIONS, ensure_index, serving, write_result

LEVELS = (1, 8, 32)
_MARK = "NEWSQA-WRK "

_LUA = """
local questions = {%(questions)s}
local counter = 0
request = function()
  counter = counter + 1
  local question = questions[counter %% #questions + 1] .. " #" .. counter
  local body = '{"question": "' .. question .. '", "top_k": %(top_k)d}'
  return wrk.format("POST", "/ask", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('%(mark)s{"requests": %%d, "duration_us": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_ms": {"p50": %%.2f, "p95": %%.2f, "p99": %%.2f, "max": %%.2f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def wrk_script(top_k: int = 10) -> str:
    """The Lua script: POST /ask, a distinct question each time, a JSON summary at the end."""
    quoted = ", ".join(json.dumps(q) for q in QUESTIONS)
    return _LUA % {"questions": quoted, "top_k": top_k, "mark": _MARK}


def run_wrk(url: str, connections: int, seconds: int, script: Path) -> dict[str, Any]:
    """One wrk run; its summary with answers/s and an error total."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk); the load suite needs it")
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), url
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith(_MARK))
    summary: dict[str, Any] = json.loads(line[len(_MARK) :])
    errors = sum(summary["errors"].values())
    seconds_run = summary["duration_us"] / 1e6
    summary["errors_total"] = errors
    summary["answers_per_s"] = round((summary["requests"] - errors) / seconds_run, 2)
    return summary


def run_load(
    index_dir: Path | None = None,
    *,
    seconds: int = 20,
    repeats: int = 3,
    levels: tuple[int, ...] = LEVELS,
    warmup_s: int = 5,
) -> dict[str, Any]:
    """wrk at each level against one `newsqa serve` (two workers) over the small index."""
    index_dir = index_dir or ensure_index()
    with tempfile.TemporaryDirectory() as scratch, serving(index_dir) as server:
        script = Path(scratch) / "ask.lua"
        script.write_text(wrk_script(), encoding="utf-8")
        run_wrk(server.url, 8, warmup_s, script)  # first forward passes, caches of the OS
        by_level: dict[str, Any] = {}
        for connections in levels:
            runs = [run_wrk(server.url, connections, seconds, script) for _ in range(repeats)]
            by_level[str(connections)] = {
                "answers_per_s": median(run["answers_per_s"] for run in runs),
                "latency_ms": {
                    key: median(run["latency_ms"][key] for run in runs)
                    for key in ("p50", "p95", "p99", "max")
                },
                "errors": sum(run["errors_total"] for run in runs),
                "requests": sum(run["requests"] for run in runs),
                "runs": runs,
            }
    rows = [
        (
            f"{level} connection(s)",
            f"{figures['answers_per_s']:.1f} answers/s, p50/p95/p99/max "
            + " / ".join(f"{figures['latency_ms'][k]:.0f}" for k in ("p50", "p95", "p99", "max"))
            + f" ms, {figures['errors']} errors",
        )
        for level, figures in by_level.items()
    ]
    result: dict[str, Any] = {
        "driver": "wrk 4.1, 1 thread, closed loop (a connection sends when answered), Lua "
        "script POSTing /ask with a distinct question per request",
        "endpoint": "POST /ask, top_k 10",
        "server": "newsqa serve, 2 workers, index of corpus/",
        "seconds_per_run": seconds,
        "repeats": repeats,
        "levels": by_level,
    }
    write_result("load", result, rows)
    return result
