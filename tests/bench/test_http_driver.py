"""The suites' lean HTTP client against a real uvicorn on 127.0.0.1: replies, keep-alive,
connections the server closes, chunked bodies, and the open and closed loops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Response
from fastapi.responses import StreamingResponse

from bench.http_driver import Connection, closed_loop, open_loop
from tests.service.http.test_app_support import running_server


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo")
    def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    @app.get("/close")
    def close() -> Response:
        return Response(b"bye", headers={"Connection": "close"})

    @app.get("/chunked")
    def chunked() -> StreamingResponse:
        return StreamingResponse(iter([b"ab", b"cd", b"e"]))

    return app


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with running_server(_app()) as url:
        yield int(url.rsplit(":", 1)[1])


def test_replies_keep_alive_closed_connections_and_chunked_bodies(port: int) -> None:
    async def scenario() -> None:
        connection = Connection("127.0.0.1", port)
        first = await connection.request("POST", "/echo", b'{"n": 1}')
        assert (first.status, first.body, first.error) == (200, b'{"n":1}', None)
        assert first.headers["content-type"] == "application/json" and first.seconds > 0
        closing = await connection.request("GET", "/close")
        assert (closing.status, closing.body) == (200, b"bye")
        again = await connection.request("GET", "/chunked")  # on a new connection
        assert (again.status, again.body) == (200, b"abcde")
        missing = await connection.request("GET", "/nope")
        assert missing.status == 404
        await connection.close()
        refused = await Connection("127.0.0.1", 1).request("GET", "/")
        assert refused.status == 0 and refused.error

    asyncio.run(scenario())


def test_the_closed_loop_answers_every_request_in_order(port: int) -> None:
    def ask(number: int) -> tuple[str, str, bytes]:
        return "POST", "/echo", f'{{"n": {number}}}'.encode()

    replies = asyncio.run(closed_loop("127.0.0.1", port, 4, 40, ask))
    assert [reply.body for reply in replies] == [f'{{"n":{n}}}'.encode() for n in range(40)]


def test_the_open_loop_keeps_its_rate(port: int) -> None:
    started = time.monotonic()
    replies = asyncio.run(
        open_loop("127.0.0.1", port, 50, 1.0, lambda n: ("GET", "/healthz", None))
    )
    assert len(replies) == 50 and all(reply.status == 200 for reply in replies)
    assert 0.9 < time.monotonic() - started < 5
