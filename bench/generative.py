"""Generative-answer benchmark: newsqa's own cost around an LLM that always takes the same time.

A loopback chat-completions server (bench/loopback_llm.py, its own process) answers every request
in a fixed `upstream_ms` (200 ms by default; a stream's first piece comes after that long). A real
`newsqa serve` (its default two workers) forwards to it. From outside, over HTTP:

- overhead at `clients` concurrent clients: `/ask` latency in generative mode minus upstream_ms,
  p50 and p99 (the goal: p99 <= 30 ms). This includes retrieval, packing the prompt with tiktoken,
  grounding the citations and HTTP both ways, and the queueing of 16 clients on this machine.
- time to the first streamed delta (`"stream": true`) minus upstream_ms, one client and many.
- prompt tokens used against the budget (the loopback reports no usage, so newsqa counts them).

Each repeat runs every phase once on the same server; figures are medians over repeats, each
repeat's own figures are kept under "runs".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from bench.http_driver import closed_loop
from bench.service import _free_port, _median_of, newsqa_server
from service.config import Settings

# Questions about corpus/'s stories, cycled where no question file is given.
DEFAULT_QUESTIONS = (
    "who leads Superintelligence Labs?",
    "What is Muse Spark?",
    "How much are big tech companies spending on AI data centers in 2025?",
    "What is QwQ-32B?",
    "What can Alexa+ do?",
    "What is Claude 3.7 Sonnet's extended thinking mode?",
    "Which model did Alibaba release for vision and language?",
    "What did Meta say about open-source and proprietary models?",
)


def run_generative_benchmark(
    index_dir: Path,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
    *,
    clients: int = 16,
    requests: int = 320,
    stream_requests: int = 64,
    warmup: int = 20,
    repeats: int = 3,
    upstream_ms: float = 200.0,
    out: Path | None = None,
) -> dict[str, Any]:
    """Measures as above; returns the figures and writes them to `out` as JSON."""
    if min(clients, requests, stream_requests, repeats) < 1 or not questions:
        raise ValueError("clients, requests, stream_requests and repeats must be at least 1")
    cycle = itertools.cycle(questions)
    runs = []
    with _loopback(upstream_ms) as llm_url, _llm_env(llm_url), newsqa_server(index_dir, 600.0) as s:
        url, _, cold_start_s = s
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(warmup):
                client.post("/ask", json={"question": next(cycle), "mode": "generative"})
        for _ in range(repeats):
            plain = _plain(url, cycle, requests, clients)
            single = _streamed(url, cycle, stream_requests, 1)
            many = _streamed(url, cycle, stream_requests, clients)
            runs.append(
                {
                    "overhead_ms": _summary([t - upstream_ms for t in plain["latency_ms"]]),
                    "latency_ms": _summary(plain["latency_ms"]),
                    "answers_per_s": plain["answers_per_s"],
                    "errors": plain["errors"] + single["errors"] + many["errors"],
                    "first_delta_overhead_ms_1_client": _summary(
                        [t - upstream_ms for t in single["first_delta_ms"]]
                    ),
                    f"first_delta_overhead_ms_{clients}_clients": _summary(
                        [t - upstream_ms for t in many["first_delta_ms"]]
                    ),
                    "prompt_tokens": _summary(plain["prompt_tokens"]),
                }
            )
    budget = Settings().llm_context_budget_tokens
    result: dict[str, Any] = _median_of(runs)
    result.update(
        {
            "goal": "overhead p99 <= 30 ms at 16 clients",
            "upstream_ms": upstream_ms,
            "clients": clients,
            "requests_per_repeat": requests,
            "stream_requests_per_repeat": stream_requests,
            "repeats": repeats,
            "prompt_budget_tokens": budget,
            "prompt_tokens_share_of_budget": round(result["prompt_tokens"]["p50"] / budget, 3),
            "cold_start_s": round(cold_start_s, 3),
            "index": str(index_dir),
            "workers": Settings().workers,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "load_average_1m": round(os.getloadavg()[0], 2),
            },
            "runs": runs,
        }
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


@contextmanager
def _loopback(upstream_ms: float) -> Iterator[str]:
    """The loopback LLM in a process of its own, so it takes no time from the clients' process."""
    port = _free_port()
    command = [sys.executable, "-m", "bench.loopback_llm", "--port", str(port),
               "--delay-ms", str(upstream_ms), "--no-usage"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/models", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the loopback LLM did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def _llm_env(url: str) -> Iterator[None]:
    """`newsqa serve` reads its settings from the environment: point it at the loopback LLM."""
    values = {"NEWSQA_LLM_BASE_URL": url, "NEWSQA_LLM_MODEL": "gpt-4o-mini"}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _plain(url: str, questions: Iterator[str], count: int, clients: int) -> dict[str, Any]:
    """`count` generative /ask from `clients` keep-alive connections in a closed loop, sent by
    bench/http_driver.py's lean client: a heavier one (threads of httpx) would take a share of
    the two cores, and of its own process's GIL, large enough to show up as overhead."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    bodies = [
        json.dumps({"question": next(questions), "mode": "generative"}).encode()
        for _ in range(count)
    ]
    started = time.perf_counter()
    replies = asyncio.run(
        closed_loop(
            parts.hostname, parts.port, clients, count, lambda n: ("POST", "/ask", bodies[n])
        )
    )
    wall_s = time.perf_counter() - started
    latency: list[float] = []
    prompt_tokens: list[float] = []
    errors = 0
    for reply in replies:
        data = json.loads(reply.body) if reply.status == 200 else {}
        if data.get("mode_used") != "generative":
            errors += 1
            continue
        latency.append(reply.seconds * 1000)
        if data.get("usage"):
            prompt_tokens.append(data["usage"]["prompt_tokens"])
    return {
        "latency_ms": latency,
        "prompt_tokens": prompt_tokens,
        "errors": errors,
        "answers_per_s": round((count - errors) / wall_s, 2),
    }


def _streamed(url: str, questions: Iterator[str], count: int, clients: int) -> dict[str, Any]:
    """`count` streamed generative /ask from `clients` threads; the time to each first delta."""
    lock = threading.Lock()
    remaining = [count]
    first_delta: list[float] = []
    errors = [0]

    def one(client: httpx.Client, question: str) -> None:
        body = {"question": question, "mode": "generative", "stream": True}
        started = time.perf_counter()
        seen: float | None = None
        with client.stream("POST", "/ask", json=body) as response:
            for line in response.iter_lines():
                if seen is None and line.startswith("event: delta"):
                    seen = (time.perf_counter() - started) * 1000
        with lock:
            if seen is None:
                errors[0] += 1
            else:
                first_delta.append(seen)

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                    question = next(questions)
                try:
                    one(client, question)
                except httpx.HTTPError:
                    with lock:
                        errors[0] += 1

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    return {"first_delta_ms": first_delta, "errors": errors[0]}


def _summary(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    array = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(array, 50)), 2),
        "p99": round(float(np.percentile(array, 99)), 2),
        "max": round(float(array.max()), 2),
    }
