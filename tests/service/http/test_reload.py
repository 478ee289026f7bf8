"""Hot reload: a new generation is served without a restart and without failing a request."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from service.http.reload import poll_for_new_index, reloading
from tests.service.http.test_app_support import index_copy, publish_later_article, running_server


@pytest.mark.slow
def test_new_generation_is_swapped_in_under_a_stream_of_requests(
    small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    index_dir = index_copy(small_index, tmp_path / "index")
    settings = Settings(index_dir=index_dir, reload_interval_s=0.1, rate_limit_per_minute=100_000)
    engine = QAEngine(settings, embedder=embedder)
    app = create_app(settings, engine=engine)
    seen: list[tuple[int, str | None]] = []
    stop = threading.Event()

    def stream(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                response = client.post("/search", json={"query": "drone factory", "top_k": 3})
                version = response.json().get("index_version")
                seen.append((response.status_code, version))

    with running_server(app) as url:
        old_version = httpx.get(f"{url}/readyz").json()["index_version"]
        streamer = threading.Thread(target=stream, args=(url,))
        streamer.start()
        try:
            while len(seen) < 5:
                time.sleep(0.05)
            new_version = publish_later_article(index_dir, tmp_path, embedder)
            deadline = time.monotonic() + 60
            while not any(version == new_version for _, version in seen[-3:]):
                assert time.monotonic() < deadline, "the new generation was never served"
                time.sleep(0.05)
            time.sleep(0.3)  # a few more requests on the new generation
        finally:
            stop.set()
            streamer.join(timeout=60)
        answer = httpx.get(f"{url}/ask", params={"q": "Which city got the drone factory?"}).json()
        metrics = httpx.get(f"{url}/metrics").text
    engine.close()

    assert new_version != old_version
    assert all(status == 200 for status, _ in seen), [s for s in seen if s[0] != 200]
    versions = [version for _, version in seen]
    assert set(versions) == {old_version, new_version}
    switch = versions.index(new_version)
    assert versions[:switch] == [old_version] * switch  # no flapping back after the swap
    assert set(versions[switch:]) == {new_version}
    assert answer["index_version"] == new_version
    assert answer["passages"][0]["article_id"] == "zephyr-factory"
    assert "newsqa_index_reloads_total 1.0" in metrics


class ScriptedEngine:
    """Stands in for QAEngine in the polling loop's own test (the loop is plumbing only)."""

    def __init__(self, outcomes: list[bool | Exception]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    def maybe_reload(self) -> bool:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else False
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_polling_survives_a_failed_reload_and_reports_swaps(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = ScriptedEngine([RuntimeError("disk went away"), True, False, True])
    reloads: list[int] = []

    async def scenario() -> None:
        task = asyncio.create_task(
            poll_for_new_index(engine, 0.01, lambda: reloads.append(1))  # type: ignore[arg-type]
        )
        while engine.calls < 5:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert len(reloads) == 2
    assert "index reload failed" in caplog.text


def test_reloading_stops_its_task_when_the_block_ends() -> None:
    engine = ScriptedEngine([])

    async def scenario() -> asyncio.Task[None]:
        async with reloading(engine, 0.01) as task:  # type: ignore[arg-type]
            await asyncio.sleep(0.05)
        return task

    task = asyncio.run(scenario())
    assert task.cancelled()
    assert engine.calls >= 1


@pytest.mark.slow
def test_a_service_started_before_any_index_becomes_ready_when_one_is_published(
    small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    settings = Settings(index_dir=index_dir, reload_interval_s=0.05)
    app = create_app(settings, engine=QAEngine(settings, embedder=embedder))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 503
        assert client.post("/search", json={"query": "chip"}).status_code == 503
        # A finished index appears in one step, as `newsqa index build` publishes one.
        index_copy(small_index, tmp_path / "staging").rename(index_dir)
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "never became ready"
            time.sleep(0.05)
        response = client.post("/search", json={"query": "lake-cooled data center"})
        assert response.status_code == 200
        assert response.json()["results"][0]["article_id"] == "glacier-datacenter"
