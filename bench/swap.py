"""swap: /ask at 8 concurrent clients while 5 generations are published; 0 errors, and every
response's passages come from the generation the response names.

Each publish adds, updates or deletes a made-up article that the questions ask about, so
passages move between generations; right after each publish the suite records every chunk id
and text of the new generation, and each response's passages are checked against the record
of the generation it names (an updated article keeps its chunk ids but changes their text).
Also measured: how long after a generation is first served an older one is still served (the
workers look for new generations independently).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import QUESTIONS, ensure_index, serving, write_result
from bench.http_driver import Connection, Reply

CLIENTS = 8
SETTLE_S = 4.0
_CITIES = ("Lisbon", "Tallinn", "Porto", "Ghent", "Bergen")


def _article(number: int, version: int) -> dict[str, Any]:
    city = _CITIES[(number + version) % len(_CITIES)]
    text = " ".join(
        f"Swapline Robotics {number} opened a drone factory in {city} (revision {version}). "
        f"The plant will build {1000 * (number + version)} inspection drones a year, "
        f"financed by the regional development bank of {city}."
        for _ in range(3)
    )
    return {
        "id": f"swap-{number}",
        "title": f"Swapline Robotics {number} opens a factory in {city}",
        "source": "Swap Wire",
        "published_at": "2025-05-01",
        "text": text,
    }


def _chunks_of(gen_dir: Path) -> dict[str, str]:
    """chunk id -> sha1 of its text, for one published generation."""
    uri = (gen_dir / "store.sqlite").resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute("SELECT id, text FROM chunks").fetchall()
    return {chunk_id: hashlib.sha1(text.encode()).hexdigest() for chunk_id, text in rows}


class Publisher(threading.Thread):
    """Publishes the 5 changes `pause_s` apart, recording each generation's chunks."""

    def __init__(self, index_dir: Path, workdir: Path, pause_s: float) -> None:
        super().__init__(daemon=True)
        self.index_dir, self.workdir, self.pause_s = index_dir, workdir, pause_s
        self.chunks: dict[str, dict[str, str]] = {}
        self.published: list[tuple[str, float]] = []  # (generation, monotonic time)
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.done_at = 0.0

    def record(self, generation: str) -> None:
        self.chunks[generation] = _chunks_of(self.index_dir / generation)

    def run(self) -> None:
        from indexer.config import IndexConfig
        from indexer.embedding.transformer import load_embedder
        from indexer.pipeline.run import add_to_index, delete_from_index

        try:
            config = IndexConfig()
            embedder = load_embedder(config.embedding_model)
            steps: list[tuple[str, list[Any]]] = [
                ("add", [_article(1, 1)]),
                ("add", [_article(1, 2), _article(2, 1)]),  # swap-1's text changes
                ("delete", ["swap-1"]),
                ("add", [_article(3, 1)]),
                ("delete", ["swap-2"]),
            ]
            for number, (action, payload) in enumerate(steps):
                time.sleep(self.pause_s)
                if action == "add":
                    source = self.workdir / f"step-{number}.jsonl"
                    source.write_text("".join(json.dumps(a) + "\n" for a in payload))
                    summary = add_to_index([source], self.index_dir, config, embedder=embedder,
                                           progress=False)  # fmt: skip
                else:
                    summary = delete_from_index(payload, self.index_dir, progress=False)
                assert summary.generation is not None and summary.published
                self.record(summary.generation)
                self.published.append((summary.generation, time.monotonic()))
        except BaseException as exc:  # reported by the suite
            self.error = exc
        finally:
            self.done_at = time.monotonic()
            self.done.set()


def _question(number: int) -> bytes:
    if number % 2:
        question = f"Where did Swapline Robotics {1 + number % 3} open a drone factory? #{number}"
    else:
        question = f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"
    return json.dumps({"question": question, "top_k": 5}).encode()


def check_reply(reply: Reply, chunks: dict[str, dict[str, str]]) -> str | None:
    """None where the reply is whole and consistent, else what is wrong."""
    if reply.status != 200:
        return f"status {reply.status} {reply.error or reply.body[:80]!r}"
    body = json.loads(reply.body)
    version = body["index_version"]
    if reply.headers.get("x-index-version") != version:
        return f"header names {reply.headers.get('x-index-version')}, body {version}"
    known = chunks.get(version)
    if known is None:
        return f"{version} is not a generation this run published or started with"
    for passage in body["passages"]:
        digest = hashlib.sha1(passage["text"].encode()).hexdigest()
        if known.get(passage["chunk_id"]) != digest:
            return f"passage {passage['chunk_id']} is not {version}'s"
    return None


def run_swap(
    index_dir: Path | None = None, *, queries: int = 1000, pause_s: float = 4.0
) -> dict[str, Any]:
    """At least `queries` /ask from 8 clients, running until all 5 publishes are served."""
    source = index_dir or ensure_index()
    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        shutil.copytree(source, index, ignore=shutil.ignore_patterns("LOCK"))
        publisher = Publisher(index, Path(scratch), pause_s)
        publisher.record((index / "CURRENT").read_text().strip())
        with serving(index) as server:
            started = time.monotonic()
            publisher.start()
            replies = asyncio.run(_ask_until(server.port, queries, publisher))
            publisher.join()
        elapsed = time.monotonic() - started
    if publisher.error is not None:
        raise RuntimeError(f"publishing failed: {publisher.error}") from publisher.error
    problems = [
        (t, problem) for t, reply in replies if (problem := check_reply(reply, publisher.chunks))
    ]
    lag = _staleness(replies)
    versions = sorted({json.loads(r.body)["index_version"] for _, r in replies if r.status == 200})
    result: dict[str, Any] = {
        "server": "newsqa serve, 2 workers, a copy of the index of corpus/, reload interval 1 s",
        "driver": f"asyncio keep-alive client (bench/http_driver.py), {CLIENTS} clients",
        "queries": len(replies),
        "seconds": round(elapsed, 1),
        "publishes": len(publisher.published),
        "generations_served": versions,
        "errors_or_inconsistent": len(problems),
        "problem_examples": [problem for _, problem in problems[:5]],
        **lag,
        "goals": {
            "0 errors": not any(p.startswith("status") for _, p in problems),
            "every response's passages from the generation it names": not problems,
            "5 publishes during the queries": len(publisher.published) == 5,
        },
    }
    rows = [
        (
            "queries / seconds / publishes",
            f"{len(replies)} / {elapsed:.0f} / {len(publisher.published)}",
        ),
        ("generations served", ", ".join(versions)),
        ("errors or inconsistent responses", str(len(problems))),
        ("responses older than one already served", f"{lag['older_than_seen']}"),
        ("longest such window", f"{lag['max_stale_window_s']:.2f} s"),
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]
    write_result("swap", result, rows)
    return result


async def _ask_until(port: int, minimum: int, publisher: Publisher) -> list[tuple[float, Reply]]:
    replies: list[tuple[float, Reply]] = []
    counter = iter(range(10**9))

    def finished() -> bool:
        # Past the minimum, and long enough after the last publish for both workers to
        # have loaded it (each looks every second).
        return (
            len(replies) >= minimum
            and publisher.done.is_set()
            and time.monotonic() - publisher.done_at >= SETTLE_S
        )

    async def client() -> None:
        connection = Connection("127.0.0.1", port)
        try:
            while not finished():
                reply = await connection.request("POST", "/ask", _question(next(counter)))
                replies.append((time.monotonic(), reply))
        finally:
            await connection.close()

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return replies


def _staleness(replies: list[tuple[float, Reply]]) -> dict[str, Any]:
    """Responses naming an older generation than one already served, and for how long after."""
    newest, first_seen = "", 0.0
    older, window = 0, 0.0
    for at, reply in sorted(replies, key=lambda item: item[0]):
        if reply.status != 200:
            continue
        version = json.loads(reply.body)["index_version"]
        if version > newest:
            newest, first_seen = version, at
        elif version < newest:
            older += 1
            window = max(window, at - first_seen)
    return {"older_than_seen": older, "max_stale_window_s": round(window, 3)}
