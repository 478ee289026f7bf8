"""Slow clients are cut off: real sockets against a real uvicorn on 127.0.0.1.

A client that sends its request head too slowly (or never) loses the connection after the head
deadline; one whose body is too slow gets 408 and loses it after the body deadline.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from service.config import Settings
from service.http.app import create_app
from service.http.slow_clients import head_timeout_protocol
from tests.service.http.test_app_support import free_port

DEADLINE_S = 0.5
SLACK_S = 1.5  # a busy two-core machine may be late; a missing timeout would wait forever


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """`app` under uvicorn with the head deadline, in a thread; yields the port."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http=head_timeout_protocol(DEADLINE_S),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until_up(port)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _wait_until_up(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def _slow_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3 * DEADLINE_S)  # a slow answer is not a slow client
        return {"status": "done"}

    return app


@pytest.fixture(scope="module")
def service_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The newsqa app (no index needed: the deadlines act before any route)."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("none"), body_timeout_s=DEADLINE_S)
    with serving(create_app(settings)) as port:
        yield port


@pytest.fixture(scope="module")
def slow_app_port() -> Iterator[int]:
    with serving(_slow_app()) as port:
        yield port


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and the seconds that took."""
    started = time.monotonic()
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received, time.monotonic() - started


def test_a_partial_request_head_is_closed_at_the_deadline(service_port: int) -> None:
    with _connect(service_port) as sock:
        sock.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: app")
        received, waited = _read_until_closed(sock)
    assert received == b""  # closed without a word: there is no request to answer
    assert DEADLINE_S * 0.8 <= waited < DEADLINE_S + SLACK_S


def test_a_head_sent_one_byte_at_a_time_is_closed_at_the_deadline(service_port: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 500
    with _connect(service_port) as sock:
        started = time.monotonic()
        sent = 0
        while sent < len(head) and not _closed_by_server(sock):
            sock.sendall(head[sent : sent + 1])
            sent += 1
            time.sleep(0.02)
        waited = time.monotonic() - started
    assert sent < len(head)  # cut off mid-head, though a byte came every 20 ms
    assert DEADLINE_S * 0.8 <= waited < DEADLINE_S + SLACK_S


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False  # open, nothing to read
    except ConnectionResetError:
        return True


def test_a_connection_that_sends_nothing_is_closed(service_port: int) -> None:
    with _connect(service_port) as sock:
        received, waited = _read_until_closed(sock)
    assert received == b"" and waited < DEADLINE_S + SLACK_S


def test_a_short_body_gets_408_and_the_connection_closes(service_port: int) -> None:
    with _connect(service_port) as sock:
        sock.sendall(
            b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"question": "'
        )
        received, waited = _read_until_closed(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), received
    assert b"connection: close" in head.lower()
    assert body == (
        b'{"error":{"code":"request_timeout","message":"request body not received within 0.5 s"}}'
    )
    assert DEADLINE_S * 0.8 <= waited < DEADLINE_S + SLACK_S


def test_the_next_request_on_a_kept_alive_connection_has_the_same_deadline(
    service_port: int,
) -> None:
    with _connect(service_port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b'{"status":"ok"}'):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # the next head, never finished
        received, waited = _read_until_closed(sock)
    assert received == b"" and waited < DEADLINE_S + SLACK_S


def test_a_head_that_arrives_in_pieces_within_the_deadline_is_served(service_port: int) -> None:
    with _connect(service_port) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(DEADLINE_S / 5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")


def test_a_slow_answer_is_not_cut_off(slow_app_port: int) -> None:
    # The deadline is for the client's head: once it is in, the handler takes its time.
    response = httpx.get(f"http://127.0.0.1:{slow_app_port}/slow", timeout=30)
    assert response.json() == {"status": "done"}


@pytest.mark.slow
def test_newsqa_serve_workers_enforce_the_configured_deadline(tmp_path: Path) -> None:
    # Two worker processes, each importing the protocol by name and reading its deadline from
    # NEWSQA_HEADER_TIMEOUT_S (no index: a worker then starts without loading the model).
    port = free_port()
    # No ONNX export: without an index the workers never load the model.
    env = {**os.environ, "NEWSQA_HEADER_TIMEOUT_S": str(DEADLINE_S), "NEWSQA_ONNX_ENCODER": "false"}
    command = [sys.executable, "-c", "from service.cli.main import main; main()", "serve"]
    options = ["--port", str(port), "--index", str(tmp_path / "none"), "--workers", "2"]
    process = subprocess.Popen([*command, *options], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port)
        for _ in range(4):  # each worker in turn, as the kernel hands out connections
            with _connect(port) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
                received, waited = _read_until_closed(sock)
            assert received == b"" and waited < DEADLINE_S + SLACK_S
    finally:
        process.terminate()
        process.wait(timeout=30)
