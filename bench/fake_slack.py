"""A loopback Slack on 127.0.0.1, for the tests and the benchmark: the Web API methods the bot
calls (auth.test, chat.postMessage, apps.connections.open), `response_url` endpoints, and a
Socket Mode WebSocket that sends envelopes and records the acknowledgements.

Everything it receives is recorded, with the time it arrived; failures can be scripted per
channel (a Slack error such as channel_not_found, a 429 with Retry-After, a dropped connection).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bench.slack_payloads import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID


@dataclass(frozen=True)
class Received:
    """One request the fake received: where, what (parsed body) and when (monotonic s)."""

    path: str
    body: dict[str, Any]
    at: float
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    kind: str  # "error" (ok: false), "ratelimited" (429), "drop" (connection closed)
    times: int  # how many more calls fail; -1 for always
    detail: str = ""


class FakeSlack:
    """Start with `running()`; read `posts`, `responses`, `acks`; push envelopes with `send`."""

    def __init__(self, *, bot_token: str = "xoxb-loopback", app_token: str = "xapp-loopback"):
        self.bot_token = bot_token
        self.app_token = app_token
        self.port = 0
        self.posts: list[Received] = []  # chat.postMessage calls that succeeded
        self.responses: list[Received] = []  # posts to response URLs
        self.calls: list[Received] = []  # every Web API call, failed ones included
        self.acks: dict[str, Received] = {}  # Socket Mode envelope id -> its acknowledgement
        self.sockets_opened = 0
        self._failures: dict[str, _Failure] = {}  # channel -> scripted failure
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._ts = itertools.count(1)

    # -- addresses -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    # -- scripting -------------------------------------------------------------------------

    def fail_channel(self, channel: str, kind: str, *, times: int = -1, detail: str = "") -> None:
        """Posts to `channel` fail `times` times (-1: always): "error" answers ok: false with
        `detail` as the error, "ratelimited" a 429 with Retry-After `detail` (seconds), "drop"
        closes the connection without a response."""
        with self._changed:
            self._failures[channel] = _Failure(kind, times, detail)

    # -- waiting ---------------------------------------------------------------------------

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Waits until `condition()` holds: checked whenever something arrives, and every 50 ms
        for conditions on anything else (a log line)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def posts_in(self, channel: str, thread_ts: str | None = None) -> list[Received]:
        with self._changed:
            return [
                post
                for post in self.posts
                if post.body.get("channel") == channel
                and (thread_ts is None or post.body.get("thread_ts") == thread_ts)
            ]

    def responses_to(self, name: str) -> list[Received]:
        with self._changed:
            return [r for r in self.responses if r.path == f"/respond/{name}"]

    def _record(self, into: list[Received], received: Received) -> None:
        with self._changed:
            into.append(received)
            self._changed.notify_all()

    # -- Socket Mode -----------------------------------------------------------------------

    def send(self, envelope: dict[str, Any]) -> None:
        """Sends an envelope to every open Socket Mode connection."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the fake Slack is not running")
        text = json.dumps(envelope)

        async def push() -> None:
            for socket in list(self._sockets):
                await socket.send_str(text)

        asyncio.run_coroutine_threadsafe(push(), loop).result(timeout=10)

    def connected(self) -> bool:
        return bool(self._sockets)

    # -- the server ------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[FakeSlack]:
        """Serves on a free 127.0.0.1 port in a thread of its own until the block ends."""
        started = threading.Event()
        stopping: asyncio.Event | None = None
        errors: list[BaseException] = []

        async def serve() -> None:
            nonlocal stopping
            stopping = asyncio.Event()
            app = web.Application(client_max_size=4 * 1024 * 1024)
            app.router.add_post("/api/{method}", self._api)
            app.router.add_post("/respond/{name}", self._respond)
            app.router.add_get("/socket", self._socket)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = runner.addresses[0][1]
            self._loop = asyncio.get_running_loop()
            started.set()
            await stopping.wait()
            for socket in list(self._sockets):
                await socket.close()
            await runner.cleanup()

        def run() -> None:
            try:
                asyncio.run(serve())
            except BaseException as exc:  # surfaced to the caller below
                errors.append(exc)
                started.set()

        thread = threading.Thread(target=run, name="fake-slack", daemon=True)
        thread.start()
        started.wait(30)
        if errors or self._loop is None:
            raise RuntimeError(f"the fake Slack did not start: {errors}")
        try:
            yield self
        finally:
            loop = self._loop
            if stopping is not None:
                loop.call_soon_threadsafe(stopping.set)
            thread.join(timeout=10)
            self._loop = None

    async def _body(self, request: web.Request) -> dict[str, Any]:
        text = await request.text()
        if request.content_type == "application/json":
            parsed = json.loads(text) if text else {}
            return parsed if isinstance(parsed, dict) else {"_": parsed}
        return dict(parse_qsl(text, keep_blank_values=True))

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await self._body(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        received = Received(f"/api/{method}", body, time.monotonic(), headers)
        self._record(self.calls, received)
        token = headers.get("authorization", "").removeprefix("Bearer ")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "url": "https://loopback.slack.test/",
                    "team": "Loopback",
                    "user": "newsqa",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "app_id": API_APP_ID,
                    "is_enterprise_install": False,
                }
            )
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if method == "chat.postMessage":
            return await self._post_message(request, body, received)
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _post_message(
        self, request: web.Request, body: dict[str, Any], received: Received
    ) -> web.StreamResponse:
        channel = str(body.get("channel", ""))
        failure = self._take_failure(channel)
        if failure is not None:
            if failure.kind == "drop":
                assert request.transport is not None
                request.transport.close()  # the client sees the connection drop
                return web.Response()  # never sent
            if failure.kind == "ratelimited":
                headers = {"Retry-After": failure.detail or "1"}
                body_429 = {"ok": False, "error": "ratelimited"}
                return web.json_response(body_429, status=429, headers=headers)
            return web.json_response({"ok": False, "error": failure.detail or "fatal_error"})
        self._record(self.posts, received)
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        message = {"type": "message", "bot_id": BOT_ID, "user": BOT_USER_ID, "ts": ts, **body}
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": message})

    def _take_failure(self, channel: str) -> _Failure | None:
        with self._changed:
            failure = self._failures.get(channel)
            if failure is None or failure.times == 0:
                return None
            if failure.times > 0:
                failure.times -= 1
            return failure

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        self._record(self.responses, Received(request.path, body, time.monotonic()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        with self._changed:
            self.sockets_opened += 1
            self._changed.notify_all()
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": API_APP_ID},
            }
        )
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                envelope_id = str(ack.get("envelope_id", ""))
                with self._changed:
                    self.acks[envelope_id] = Received("/socket", ack, time.monotonic())
                    self._changed.notify_all()
        finally:
            self._sockets.remove(socket)
            with self._changed:
                self._changed.notify_all()
        return socket
