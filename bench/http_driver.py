"""A lean HTTP/1.1 client on asyncio for the reliability and Slack suites: keep-alive
connections, the status, headers and body of each reply, and its latency.

Lean on purpose: on two cores the client shares the CPU with the server it measures, and a
heavier client (httpx) would spend a millisecond or more of it per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    status: int  # 0 where the request failed below HTTP (refused, reset, timed out)
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str | None = None


@dataclass
class Connection:
    """One keep-alive connection to host:port, reopened when the server closes it."""

    host: str
    port: int
    timeout_s: float = 30.0
    _reader: asyncio.StreamReader | None = field(default=None, repr=False)
    _writer: asyncio.StreamWriter | None = field(default=None, repr=False)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        started = time.perf_counter()
        # A kept-alive connection the server has just closed as idle fails before any reply
        # byte; the request never reached the app, so it is sent once more on a new one.
        for attempt in (1, 2):
            reused = self._writer is not None
            try:
                async with asyncio.timeout(self.timeout_s):
                    status, headers, payload = await self._exchange(
                        method, path, body, extra_headers or {}
                    )
                break
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                await self.close()
                idle_close = isinstance(exc, asyncio.IncompleteReadError) and not exc.partial
                if attempt == 1 and reused and (idle_close or isinstance(exc, ConnectionError)):
                    continue
                return Reply(0, {}, b"", time.perf_counter() - started, type(exc).__name__)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, payload, time.perf_counter() - started)

    async def _exchange(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body is not None:
            if not any(name.lower() == "content-type" for name in extra):
                head += "Content-Type: application/json\r\n"
            head += f"Content-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in extra.items())
        self._writer.write(head.encode("ascii") + b"\r\n" + (body or b""))
        await self._writer.drain()
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await self._read_chunked()
        else:
            payload = await self._reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, payload

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        payload = b""
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return payload
            payload += await self._reader.readexactly(size)
            await self._reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# What a suite asks next: (method, path, body); called once per request.
NextRequest = Callable[[int], tuple[str, str, bytes | None]]


async def closed_loop(
    host: str, port: int, clients: int, requests: int, next_request: NextRequest
) -> list[Reply]:
    """`requests` requests from `clients` connections, each sending its next one when the
    last is answered; replies in the order they were asked."""
    replies: list[Reply | None] = [None] * requests
    counter = iter(range(requests))

    async def client() -> None:
        connection = Connection(host, port)
        try:
            for number in counter:
                replies[number] = await connection.request(*next_request(number))
        finally:
            await connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return [reply for reply in replies if reply is not None]


async def open_loop(
    host: str, port: int, rate_per_s: float, duration_s: float, next_request: NextRequest
) -> list[Reply]:
    """Requests sent at a fixed rate whatever the replies' latency (each on a free keep-alive
    connection, or a new one), for `duration_s`; replies in the order they were sent."""
    idle: list[Connection] = []
    replies: dict[int, Reply] = {}
    pending: set[asyncio.Task[None]] = set()

    async def send(number: int) -> None:
        connection = idle.pop() if idle else Connection(host, port)
        replies[number] = await connection.request(*next_request(number))
        idle.append(connection)

    started = time.perf_counter()
    total = int(rate_per_s * duration_s)
    for number in range(total):
        delay = started + number / rate_per_s - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(send(number))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    for connection in idle:
        await connection.close()
    return [replies[number] for number in sorted(replies)]
