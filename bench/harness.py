"""What the reliability suites share: a `newsqa serve` to test, the small index it serves,
process-tree RSS and open files, the machine, and where results go.

Servers, RSS and process trees come from bench/service.py (the service benchmark's helpers).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.service import _descendants, _rss_mib, newsqa_server

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
DEFAULT_CORPUS = REPO_ROOT / "corpus"
DEFAULT_INDEX = REPO_ROOT / "var" / "bench-index"
NEWSQA = [sys.executable, "-c", "from service.cli.main import main; main()"]

# Questions about the default corpus (corpus/), asked in turn by the load-bearing suites.
QUESTIONS = (
    "Who leads Superintelligence Labs?",
    "Which company released Qwen2.5-Omni?",
    "What did Anthropic release with Claude 3.7 Sonnet?",
    "How much will big tech spend on AI in 2025?",
    "What is Alexa+?",
    "Which lab built UI-TARS?",
    "What does QwQ-32B do?",
    "What did OpenAI launch for deep research?",
)


@dataclass(frozen=True)
class Served:
    url: str
    pid: int
    cold_start_s: float

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextmanager
def serving(
    index_dir: Path, *, env: Mapping[str, str] | None = None, timeout_s: float = 300.0
) -> Iterator[Served]:
    """`newsqa serve` (its default two workers) over `index_dir` on a free port, until the
    block ends; `env` adds NEWSQA_* settings for this server only."""
    with newsqa_server(index_dir, timeout_s, env) as (url, process, cold_start_s):
        yield Served(url, process.pid, cold_start_s)


def ensure_index(
    index_dir: Path = DEFAULT_INDEX,
    corpus: Path = DEFAULT_CORPUS,
    *,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The index of `corpus` at `index_dir`, built once (rebuilt when the corpus or the
    settings in `env` change)."""
    command = [*NEWSQA, "index", "build", str(corpus), "--index", str(index_dir), "--if-stale"]
    environment = {**os.environ, **(env or {})}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
    return index_dir


def tree_rss_mib(pid: int) -> float:
    """Resident memory of `pid` and its workers, summed (MiB)."""
    now, _ = _rss_mib(pid)
    if now is None:
        raise RuntimeError("no /proc: RSS cannot be measured on this system")
    return now


def tree_open_files(pid: int) -> int:
    """File descriptors open in `pid` and every process under it."""
    total = 0
    for member in [pid, *_descendants(pid)]:
        try:
            total += len(os.listdir(f"/proc/{member}/fd"))
        except OSError:
            continue  # exited meanwhile
    return total


def tree_open_files_by_kind(pid: int) -> dict[str, int]:
    """The same descriptors by what they are: socket, pipe, anon_inode, or the file's path."""
    kinds: dict[str, int] = {}
    for member in [pid, *_descendants(pid)]:
        try:
            entries = os.listdir(f"/proc/{member}/fd")
        except OSError:
            continue
        for entry in entries:
            try:
                target = os.readlink(f"/proc/{member}/fd/{entry}")
            except OSError:
                continue
            kind = (
                target.split(":", 1)[0]
                if target.startswith(("socket:", "pipe:", "anon_inode:"))
                else target
            )
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def machine() -> dict[str, Any]:
    """The machine the figures come from, quoted in every result (it is shared and busy)."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """n, p50, p95, p99 and max in milliseconds."""
    if not seconds:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(seconds),
        **{f"p{q}": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)},
        "max": round(float(ms.max()), 2),
    }


def write_result(
    suite: str,
    result: dict[str, Any],
    rows: Sequence[tuple[str, str]],
    *,
    out_dir: Path = RESULTS_DIR,
    console: Console | None = None,
) -> Path:
    """Writes bench/results/<suite>.json (with the machine and the command) and prints `rows`."""
    body = {"suite": suite, "command": _command_line(), "machine": machine(), **result}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{suite}.json"
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"newsqa bench {suite}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for row in rows:
        table.add_row(*row)
    console = console or Console()
    console.print(table)
    console.print(f"wrote {path}")
    return path


def _command_line() -> str:
    """How this run was started, as one would type it."""
    program = Path(sys.argv[0])
    if program.name == "reliability_cli.py":
        return " ".join(["python -m bench.reliability_cli", *sys.argv[1:]])
    if program.name == "newsqa":
        return " ".join(["newsqa", *sys.argv[1:]])
    return " ".join(sys.argv)
