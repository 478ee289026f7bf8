"""NEWSQA_MAX_IN_FLIGHT: past the cap a worker refuses at once, in the error shape."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from service.http.in_flight import EXEMPT_PATHS, InFlightLimitMiddleware
from tests.service.http.test_app_errors import assert_error_shape
from tests.service.http.test_app_support import running_server


class Gate:
    """An ASGI app whose requests wait until the gate opens (or fail if told to)."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.waiting += 1
        await self.opened.wait()
        if scope["path"] == "/explode":
            raise RuntimeError("a failing request must still give its slot back")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.001)


def test_the_request_past_the_limit_is_refused_at_once_and_the_slots_come_back() -> None:
    async def scenario() -> None:
        gate = Gate()
        limited = InFlightLimitMiddleware(gate, limit=3)
        transport = httpx.ASGITransport(app=limited, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/ask")) for _ in range(2)]
            held.append(asyncio.create_task(client.get("/explode")))
            await _until(lambda: gate.waiting == 3)
            started = time.perf_counter()
            refused = await client.get("/ask")
            assert time.perf_counter() - started < 2.0  # the others are held for good
            assert_error_shape(refused, 503, "overloaded")
            assert refused.headers["retry-after"] == "1"
            assert "limit of 3 requests in flight" in refused.json()["error"]["message"]
            # The probes and /metrics are exempt: they reach the app though the cap is full.
            probes = [asyncio.create_task(client.get(path)) for path in sorted(EXEMPT_PATHS)]
            await _until(lambda: gate.waiting == 6)
            gate.opened.set()
            statuses = [response.status_code for response in await asyncio.gather(*held)]
            assert statuses == [200, 200, 500]
            assert [probe.status_code for probe in await asyncio.gather(*probes)] == [200] * 3
            assert limited.in_flight == 0
            after = await asyncio.gather(*(client.get("/ask") for _ in range(3)))
            assert [response.status_code for response in after] == [200, 200, 200]

    asyncio.run(scenario())


def test_the_app_caps_requests_per_worker_from_settings(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "none", max_in_flight=2)
    engine = QAEngine(settings)
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_search(*args: object, **kwargs: object) -> None:
        entered.release()
        release.wait(30)
        raise RuntimeError("released")

    engine.search = slow_search  # type: ignore[method-assign]
    with running_server(create_app(settings, engine=engine)) as url, ThreadPoolExecutor(2) as pool:
        body = {"query": "who leads Orbital Labs?"}
        held = [pool.submit(httpx.post, f"{url}/search", json=body, timeout=30) for _ in range(2)]
        for _ in range(2):
            assert entered.acquire(timeout=30)
        assert_error_shape(httpx.post(f"{url}/search", json=body), 503, "overloaded")
        assert httpx.get(f"{url}/healthz").status_code == 200
        release.set()
        assert [future.result().status_code for future in held] == [500, 500]
