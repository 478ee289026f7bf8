"""`newsqa serve` over Milvus: two worker processes share a Milvus Lite server on 127.0.0.1, and
every change published there reaches them by hot reload, each response whole from one
generation."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.service import _free_port, newsqa_server
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.store.milvus.location import MilvusLocation
from indexer.store.milvus.rows import CollectionSettings
from tests.indexer.store.milvus.conftest import SMALL_CONFIG

pytestmark = pytest.mark.slow  # two server processes and the real model

NEWS = {
    "id": "lumora-ceo", "title": "Lumora Labs names a chief executive", "source": "Test Wire",
    "published_at": "2026-03-01",
    "text": "Lumora Labs named Ines Carvalho its chief executive. She joined the robotics "
            "startup from a chip maker in Tallinn.",
}  # fmt: skip


@pytest.fixture
def lite_server(tmp_path: Path) -> Iterator[str]:
    """`milvus-lite server` on a free port of 127.0.0.1; yields its URI."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "lite"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            MilvusLocation(uri, lock_dir=tmp_path / "locks").current_version()
            break
        except Exception:
            time.sleep(0.2)
    try:
        yield uri
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_workers_serve_milvus_and_follow_every_publish(
    tmp_path: Path,
    lite_server: str,
    small_index: Path,
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Changes as a Milvus server takes them: stamped into the live base (Lite's own default
    # would rewrite a base for each; the last build below moves the alias anyway).
    milvus = MilvusLocation(
        lite_server, lock_dir=tmp_path / "locks", settings=CollectionSettings(changes="delta")
    )
    source = small_index.parent / "articles.jsonl"
    build_index([source], milvus, SMALL_CONFIG, embedder=embedder, progress=False)
    env = {
        "NEWSQA_STORE": "milvus", "NEWSQA_MILVUS_URI": lite_server, "NEWSQA_WORKERS": "2",
        "NEWSQA_RELOAD_INTERVAL_S": "0.2",
    }  # fmt: skip
    seen: list[tuple[str, set[str]]] = []
    stop = threading.Event()
    with newsqa_server(tmp_path / "locks", timeout_s=300, env=env) as (url, _, _):

        def search() -> tuple[str, set[str]]:
            body = httpx.post(f"{url}/search", json={"query": "Lumora Labs chief executive",
                                                     "top_k": 10}, timeout=30).json()  # fmt: skip
            return body["index_version"], {h["article_id"] for h in body["results"]}

        def keep_searching() -> None:
            while not stop.is_set():
                seen.append(search())

        version, articles = search()
        assert version == "gen-000001" and "lumora-ceo" not in articles
        # GET /info from the Milvus generation: outlets with their counts and dates.
        info = httpx.get(f"{url}/info", timeout=30).json()
        assert info["index_version"] == "gen-000001" and info["articles"] > 0
        assert info["outlets"] and all(o["articles"] > 0 for o in info["outlets"])
        assert info["newest_published_at"] is not None
        reader = threading.Thread(target=keep_searching)
        reader.start()
        try:
            news = tmp_path / "news.jsonl"
            news.write_text(json.dumps(NEWS) + "\n", encoding="utf-8")
            add_to_index([news], milvus, SMALL_CONFIG, embedder=embedder, progress=False)
            _until(lambda: search()[0] == "gen-000002")
            delete_from_index(["orbital-kestrel"], milvus, config=SMALL_CONFIG, embedder=embedder)
            _until(lambda: search()[0] == "gen-000003")
            build_index([source, news], milvus, SMALL_CONFIG, embedder=embedder, progress=False)
            _until(lambda: search()[0] == "gen-000004")  # a new base: the alias moved
        finally:
            stop.set()
            reader.join()
        # Each response came whole from the generation it names.
        expected = {
            "gen-000001": (set(), {"lumora-ceo"}),
            "gen-000002": ({"lumora-ceo"}, set()),
            "gen-000003": ({"lumora-ceo"}, {"orbital-kestrel"}),
            "gen-000004": ({"lumora-ceo", "orbital-kestrel"}, set()),
        }
        assert len({v for v, _ in seen}) >= 2  # the reader saw generations change
        for version, articles in seen:
            present, absent = expected[version]
            assert present <= articles and not absent & articles, (version, articles)
    milvus.close()


def _until(condition: object, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("the servers did not reload in time")
