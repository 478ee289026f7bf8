"""Helpers shared by the service's HTTP tests: copies of the session's `small_index`, a later
article to publish into one, and a real uvicorn server on 127.0.0.1.

(A test module because tests/service/conftest.py has another owner.)
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

# Published later, into a copy of the index, by the hot-reload tests.
LATER_ARTICLE: dict[str, Any] = {
    "id": "zephyr-factory",
    "title": "Zephyr Robotics opens a drone factory in Lisbon",
    "source": "Harbor Business Wire",
    "url": "https://harbor.example/zephyr-lisbon",
    "published_at": "2026-04-10",
    "text": (
        "Zephyr Robotics opened a factory in Lisbon that will build 4,000 inspection drones a "
        "year. The plant was financed by the regional development bank."
    ),
}


def write_jsonl(path: Path, articles: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def index_copy(small_index: Path, destination: Path) -> Path:
    """A private copy of the session's read-only `small_index` (tests may publish into it)."""
    shutil.copytree(small_index, destination)
    return destination


def article_texts(small_index: Path) -> dict[str, str]:
    """Article id -> text, from the JSONL that `small_index` was built from."""
    lines = (small_index.parent / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["id"]: record["text"] for record in map(json.loads, lines)}


def publish_later_article(index_dir: Path, workdir: Path, embedder: Any) -> str | None:
    """Publishes a new generation that adds LATER_ARTICLE; returns its version."""
    from indexer.config import IndexConfig
    from indexer.pipeline.run import add_to_index
    from indexer.store.generations import current_generation_dir
    from indexer.store.manifest import read_manifest

    # Chunked as the index was, or add_to_index refuses it as incompatible.
    chunking = read_manifest(current_generation_dir(index_dir)).chunking
    config = IndexConfig(
        chunk_target_tokens=chunking["target_tokens"],
        chunk_overlap_tokens=chunking["overlap_tokens"],
    )
    source = write_jsonl(workdir / "later.jsonl", [LATER_ARTICLE])
    summary = add_to_index([source], index_dir, config, embedder=embedder, progress=False)
    return summary.generation


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serves `app` with a real uvicorn on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", workers=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
