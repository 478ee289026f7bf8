"""Service benchmark: a real `newsqa serve` subprocess, measured from the outside over HTTP."""

from __future__ import annotations

import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from service.config import Settings

_SERVE = "from service.cli.main import main; main()"


def run_service_benchmark(
    index_dir: Path | str,
    questions: Sequence[str],
    *,
    warmup: int = 20,
    requests: int = 200,
    concurrency: int = 8,
    top_k: int = 10,
    repeats: int = 1,
    out: Path | str | None = None,
    startup_timeout_s: float = 600.0,
    console: Console | None = None,
) -> dict[str, Any]:
    """Starts `newsqa serve` over `index_dir` `repeats` times and measures it each time.

    Measures: cold start to ready; single-client /search and /ask latency after `warmup`
    requests each; /ask answers a second with `concurrency` clients; the server's RSS.
    Each phase asks questions no earlier phase asked (while `questions` last), so the
    service's caches (query vectors, tagged sentences) do not flatter the figures; every
    repeat starts a fresh server. Figures are medians over the repeats (errors are summed);
    each repeat's own figures are under "runs". Prints a table, writes JSON.
    Rate limits are lifted for the run (they would throttle the benchmark, not the service).
    """
    if not questions:
        raise ValueError("questions must not be empty")
    if min(warmup, requests, concurrency) < 0 or requests < 1 or concurrency < 1 or repeats < 1:
        raise ValueError(
            f"requests, concurrency and repeats must be at least 1 and warmup at least 0. "
            f"Currently, requests={requests}, concurrency={concurrency}, repeats={repeats}, "
            f"warmup={warmup}"
        )
    console = console or Console()
    runs = []
    for number in range(repeats):
        run = _one_run(
            Path(index_dir), questions, warmup, requests, concurrency, top_k, startup_timeout_s,
            console,
        )  # fmt: skip
        console.print(
            f"run {number + 1}/{repeats}: /search p50 {run['search_ms']['p50']} ms, "
            f"/ask p50 {run['ask_ms']['p50']} ms, "
            f"{run['concurrent']['answers_per_s']} answers/s with {concurrency} clients"
        )
        runs.append(run)
    result: dict[str, Any] = _median_of(runs)
    result.update(
        {
            "repeats": repeats,
            "questions": len(questions),
            # False where phases had to repeat questions (fewer than warmup + 3 x requests).
            "fresh_questions_per_phase": len(questions) >= warmup + 3 * requests,
            "warmup": warmup,
            "requests": requests,
            "top_k": top_k,
            # `newsqa serve` reads this from the environment, as the servers above did.
            "workers": Settings().workers,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "runs": runs,
        }
    )
    _print(console, result)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
    return result


def _one_run(
    index_dir: Path,
    questions: Sequence[str],
    warmup: int,
    requests: int,
    concurrency: int,
    top_k: int,
    startup_timeout_s: float,
    console: Console,
) -> dict[str, Any]:
    cycle = itertools.cycle(questions)
    with newsqa_server(index_dir, startup_timeout_s) as (url, process, cold_start_s):
        with httpx.Client(base_url=url, timeout=120) as client:
            ready = client.get("/readyz").json()
            with Progress(console=console, transient=True) as progress:
                for _ in progress.track(range(warmup), description="warm-up"):
                    question = next(cycle)
                    client.post("/search", json={"query": question, "top_k": top_k})
                    client.post("/ask", json={"question": question, "top_k": top_k})
                search = _timed(client, "/search", "query", cycle, requests, top_k, progress)
                ask = _timed(client, "/ask", "question", cycle, requests, top_k, progress)
        concurrent = _concurrent(url, cycle, requests, concurrency, top_k)
        rss_mib, peak_rss_mib = _rss_mib(process.pid)
    return {
        "cold_start_s": round(cold_start_s, 3),
        "search_ms": search,
        "ask_ms": ask,
        "concurrent": concurrent,
        "rss_mib": rss_mib,
        "peak_rss_mib": peak_rss_mib,
        "index_version": ready.get("index_version"),
        "index_articles": ready.get("articles"),
        "index_chunks": ready.get("chunks"),
    }


def _median_of(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The runs' figures merged: numbers by median (errors summed), other values from the last."""
    merged: dict[str, Any] = {}
    for key, last in runs[-1].items():
        values = [run[key] for run in runs]
        if isinstance(last, dict):
            merged[key] = _median_of(values)
        elif key == "errors":
            merged[key] = sum(values)
        elif len(set(values)) == 1:
            merged[key] = last
        elif isinstance(last, int | float) and not isinstance(last, bool):
            numbers = [v for v in values if v is not None]
            merged[key] = round(float(np.median(numbers)), 3) if numbers else None
        else:
            merged[key] = last
    return merged


Server = tuple[str, "subprocess.Popen[bytes]", float]


def questions_from_jsonl(path: Path | str, limit: int = 200) -> list[str]:
    """The `question` field of the first `limit` lines of a questions file (shared data schema)."""
    questions: list[str] = []
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                questions.append(str(json.loads(line)["question"]))
            if len(questions) >= limit:
                break
    return questions


@contextmanager
def newsqa_server(
    index_dir: Path, timeout_s: float, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """A `newsqa serve` subprocess on a free port, ready; yields (url, process, cold start s).

    It reads its settings from this process's environment with `env` on top (every benchmark
    that measures a real server starts it here).
    """
    port = _free_port()
    env = {
        **os.environ,
        "NEWSQA_INDEX_DIR": str(index_dir),
        "NEWSQA_RATE_LIMIT_PER_MINUTE": "100000000",
        **(env or {}),
    }
    command = [sys.executable, "-c", _SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            cold_start_s = _wait_ready(url, process, log, started, timeout_s)
            yield url, process, cold_start_s
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Any, started: float, timeout_s: float
) -> float:
    # uvicorn answers only after the lifespan (model and index loading) has finished.
    while time.perf_counter() - started < timeout_s:
        if process.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"newsqa serve exited with {process.returncode}:\n{tail}")
        try:
            response = httpx.get(f"{url}/readyz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code == 200:
            return time.perf_counter() - started
        raise RuntimeError(f"the service started without an index: {response.text}")
    raise RuntimeError(f"newsqa serve was not ready after {timeout_s} s")


def _timed(
    client: httpx.Client,
    path: str,
    field: str,
    questions: Iterator[str],
    count: int,
    top_k: int,
    progress: Progress,
) -> dict[str, Any]:
    latencies: list[float] = []
    took: list[float] = []  # the server's own `took_ms`: the answer without HTTP and client
    errors = 0
    for _ in progress.track(range(count), description=f"{path} (1 client)"):
        started = time.perf_counter()
        response = client.post(path, json={field: next(questions), "top_k": top_k})
        latencies.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 200
        if response.status_code == 200:
            took.append(float(response.json()["took_ms"]))
    summary = _summary(latencies, errors)
    summary["server"] = _summary(took, 0) if took else None
    return summary


def _concurrent(
    url: str, questions: Iterator[str], count: int, clients: int, top_k: int
) -> dict[str, Any]:
    lock = threading.Lock()
    remaining = [count]
    latencies: list[float] = []
    errors = [0]

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=300) as client:
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                    question = next(questions)
                started = time.perf_counter()
                try:
                    ok = client.post("/ask", json={"question": question, "top_k": top_k}).is_success
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors[0] += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    wall_s = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": count,
        "errors": errors[0],
        "wall_s": round(wall_s, 3),
        "answers_per_s": round((count - errors[0]) / wall_s, 3),
        "latency_ms": _summary(latencies, errors[0]),
    }


def _summary(latencies_ms: list[float], errors: int) -> dict[str, Any]:
    values = np.asarray(latencies_ms)
    return {
        "n": len(latencies_ms),
        "errors": errors,
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "mean": round(float(values.mean()), 2),
    }


def _rss_mib(pid: int) -> tuple[float | None, float | None]:
    """Resident memory of `pid` and every process under it (its workers), now and at peak.

    Summed per process from /proc, so pages the workers share count once per worker: an upper
    bound. None where there is no /proc.
    """
    pids = [pid, *_descendants(pid)]
    now: list[float] = []
    peak: list[float] = []
    for member in pids:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        for name, into in (("VmRSS", now), ("VmHWM", peak)):
            value = fields.get(name, "").split()
            if value:
                into.append(int(value[0]) / 1024)  # kB
    if not now:
        return None, None
    return round(sum(now), 1), round(sum(peak), 1)


def _descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... of `pid`, from the parent ids in /proc/*/stat."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _print(console: Console, result: dict[str, Any]) -> None:
    table = Table(title=f"newsqa service benchmark (index {result['index_version']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    concurrent = result["concurrent"]
    rows = [
        ("cold start to ready", f"{result['cold_start_s']:.2f} s"),
        ("/search p50 / p95 (1 client)", _pair(result["search_ms"])),
        ("  of which the server's took_ms", _pair(result["search_ms"]["server"])),
        ("/ask p50 / p95 (1 client)", _pair(result["ask_ms"])),
        ("  of which the server's took_ms", _pair(result["ask_ms"]["server"])),
        (
            f"/ask answers/s ({concurrent['clients']} clients)",
            f"{concurrent['answers_per_s']:.2f} ({concurrent['errors']} errors)",
        ),
        (f"/ask p50 / p95 ({concurrent['clients']} clients)", _pair(concurrent["latency_ms"])),
        (
            "server RSS / peak (all processes)",
            f"{result['rss_mib']} / {result['peak_rss_mib']} MiB, {result['workers']} workers",
        ),
        ("index", f"{result['index_articles']} articles, {result['index_chunks']} chunks"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _pair(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "none answered"
    errors = f" ({summary['errors']} errors)" if summary["errors"] else ""
    return f"{summary['p50']:.1f} / {summary['p95']:.1f} ms{errors}"
