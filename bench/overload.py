"""overload: four times the in-flight cap, then a normal load; the excess must be refused at
once (503 + Retry-After, in the error shape) and the service must be well again right after.

The server runs with a small NEWSQA_MAX_IN_FLIGHT so that the cap, not the machine, is what
is exceeded: 2 workers x `limit` requests may be in flight; `4 x` that many clients each send
their next /ask as soon as the last is answered.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bench.harness import QUESTIONS, ensure_index, latency_summary, serving, write_result
from bench.http_driver import Reply, closed_loop

WORKERS = 2  # newsqa serve's default


def _ask(number: int) -> tuple[str, str, bytes]:
    question = f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"
    return "POST", "/ask", json.dumps({"question": question}).encode()


def _refused_properly(reply: Reply) -> bool:
    if reply.status != 503 or "retry-after" not in reply.headers:
        return False
    body = json.loads(reply.body)
    return set(body) == {"error"} and body["error"]["code"] == "overloaded"


def run_overload(
    index_dir: Path | None = None, *, limit: int = 4, requests: int = 1200, after: int = 100
) -> dict[str, Any]:
    """`requests` /ask from 4 x WORKERS x `limit` clients, then `after` from one client."""
    index_dir = index_dir or ensure_index()
    clients = 4 * WORKERS * limit
    env = {"NEWSQA_MAX_IN_FLIGHT": str(limit)}
    with serving(index_dir, env=env) as server:
        host, port = "127.0.0.1", server.port
        asyncio.run(closed_loop(host, port, 4, 40, _ask))  # warm-up, under the cap
        storm = asyncio.run(closed_loop(host, port, clients, requests, _ask))
        calm = asyncio.run(closed_loop(host, port, 1, after, lambda n: _ask(n + requests)))
    answered = [reply for reply in storm if reply.status == 200]
    refused = [reply for reply in storm if _refused_properly(reply)]
    other = [reply for reply in storm if reply.status != 200 and not _refused_properly(reply)]
    refusal_ms = latency_summary([reply.seconds for reply in refused])
    after_ok = sum(reply.status == 200 for reply in calm)
    result: dict[str, Any] = {
        "server": f"newsqa serve, {WORKERS} workers, NEWSQA_MAX_IN_FLIGHT={limit} (per worker)",
        "driver": f"asyncio keep-alive client (bench/http_driver.py), {clients} clients in a "
        "closed loop, then 1 client",
        "clients": clients,
        "requests": requests,
        "answered": len(answered),
        "refused_503_with_retry_after": len(refused),
        "other_outcomes": sorted({f"{r.status} {r.error or ''}".strip() for r in other}),
        "other_count": len(other),
        "answered_latency_ms": latency_summary([reply.seconds for reply in answered]),
        "refusal_latency_ms": refusal_ms,
        "after": {"requests": after, "succeeded": after_ok},
        "goals": {
            "refusal p99 < 50 ms": refusal_ms["p99"] is not None and refusal_ms["p99"] < 50,
            "every excess request refused with 503 + Retry-After": not other,
            f"the next {after} requests all succeed": after_ok == after,
        },
    }
    rows = [
        ("clients / requests", f"{clients} / {requests}"),
        ("answered / refused (503) / other", f"{len(answered)} / {len(refused)} / {len(other)}"),
        ("refusal p50 / p99 / max", _ms(refusal_ms)),
        ("answered p50 / p99 / max", _ms(result["answered_latency_ms"])),
        (f"next {after} requests (1 client)", f"{after_ok} succeeded"),
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]
    write_result("overload", result, rows)
    return result


def _ms(summary: dict[str, Any]) -> str:
    if not summary["n"]:
        return "-"
    return f"{summary['p50']:.1f} / {summary['p99']:.1f} / {summary['max']:.1f} ms"
