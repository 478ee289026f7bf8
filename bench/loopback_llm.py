"""A chat-completions server on 127.0.0.1 that stands in for an LLM endpoint: plain and streamed
answers, scripted per request to answer, stall, fail or break in the ways real endpoints do.

The generative benchmark runs it as a process (`python -m bench.loopback_llm --delay-ms 200`);
the tests run it in a thread and script each request (`LoopbackLLM.script`). It is a raw ASGI
app under uvicorn so that every byte, pause and broken promise is under the script's control,
and it records what it was sent, how many connections are open and which clients went away.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import Message, Receive, Scope, Send

Answer = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Behaviour:
    """How one request is answered. Defaults: a prompt 200 with `text`, usage and [DONE]."""

    text: Answer = "The passages say so [1]."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # sent as it is, in place of a completion
    delay_s: float = 0.0  # before the answer (streams: after the headers, before the first piece)
    piece_delay_s: float = 0.0  # between streamed pieces
    stall_s: float = 0.0  # silence after the headers (plain) or the first piece (streams)
    usage: bool = True
    done: bool = True  # a stream closes with [DONE]
    error_after: int | None = None  # a stream sends an error event after this many pieces
    pad_to: int | None = None  # the answer text is padded to this many characters


@dataclass
class Record:
    body: dict[str, Any]
    headers: dict[str, str]
    started: float


class LoopbackLLM:
    """The ASGI app; scripted behaviours are used one per request, then `default`."""

    def __init__(self, default: Behaviour | None = None) -> None:
        self.default = default or Behaviour()
        self._script: list[Behaviour] = []
        self._lock = threading.Lock()
        self.requests: list[Record] = []
        self.disconnects = 0  # clients that left before their answer was complete
        self.server: uvicorn.Server | None = None

    def script(self, *behaviours: Behaviour) -> None:
        """Replaces the script and forgets earlier requests."""
        with self._lock:
            self._script = list(behaviours)
            self.requests.clear()
            self.disconnects = 0

    @property
    def attempts(self) -> int:
        with self._lock:
            return len(self.requests)

    def open_connections(self) -> int:
        """TCP connections the server holds open now."""
        return len(self.server.server_state.connections) if self.server else 0

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Behaviour:
        with self._lock:
            self.requests.append(Record(body, headers, time.monotonic()))
            return self._script.pop(0) if self._script else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"].rstrip("/").endswith("/models"):
            await _send_json(send, 200, {"object": "list", "data": [{"id": "loopback"}]})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            await _send_json(send, 400, {"error": {"message": "body is not JSON"}})
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        behaviour = self._next(body, headers)
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch_disconnect(receive, gone))
        try:
            finished = await self._answer(behaviour, body, send, gone)
        finally:
            watcher.cancel()
        if not finished:
            with self._lock:
                self.disconnects += 1

    async def _answer(
        self, behaviour: Behaviour, body: dict[str, Any], send: Send, gone: asyncio.Event
    ) -> bool:
        """Sends the answer; False where the client left first."""
        text = behaviour.text(body) if callable(behaviour.text) else behaviour.text
        if behaviour.pad_to:
            text = text.ljust(behaviour.pad_to, "x")
        if behaviour.status != 200 or behaviour.body is not None:
            if not await _pause(behaviour.delay_s, gone):
                return False
            payload = behaviour.body if behaviour.body is not None else b"{}"
            await _start(send, behaviour.status, "application/json", behaviour.headers)
            await send({"type": "http.response.body", "body": payload})
            return True
        if not body.get("stream"):
            if not await _pause(behaviour.delay_s, gone):
                return False
            await _start(send, 200, "application/json", behaviour.headers)
            if not await _pause(behaviour.stall_s, gone):
                return False
            payload = json.dumps(_completion(text, behaviour.usage)).encode()
            await send({"type": "http.response.body", "body": payload})
            return True
        await _start(send, 200, "text/event-stream", behaviour.headers)
        if not await _pause(behaviour.delay_s, gone):
            return False
        pieces = _pieces(text)
        for number, piece in enumerate(pieces):
            if behaviour.error_after is not None and number == behaviour.error_after:
                error = {"error": {"message": "the model crashed", "type": "server_error"}}
                await _event(send, json.dumps(error), "error")
                break
            await _event(send, json.dumps(_chunk(piece)))
            pause = behaviour.piece_delay_s + (behaviour.stall_s if number == 0 else 0.0)
            if not await _pause(pause, gone):
                return False
        else:
            final = _chunk("", finish="stop")
            if behaviour.usage:
                final["usage"] = _usage(text)
            await _event(send, json.dumps(final))
            if behaviour.done:
                await _event(send, "[DONE]")
        await send({"type": "http.response.body", "body": b""})
        return not gone.is_set()


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def _pause(seconds: float, gone: asyncio.Event) -> bool:
    """Waits `seconds`; False where the client left meanwhile."""
    if seconds > 0:
        with suppress(TimeoutError):
            await asyncio.wait_for(gone.wait(), seconds)
    return not gone.is_set()


async def _start(send: Send, status: int, content_type: str, headers: dict[str, str]) -> None:
    pairs = [(b"content-type", content_type.encode())]
    pairs += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": pairs})


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _start(send, status, "application/json", {})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


async def _event(send: Send, data: str, event: str | None = None) -> None:
    head = f"event: {event}\n" if event else ""
    message: Message = {
        "type": "http.response.body",
        "body": f"{head}data: {data}\n\n".encode(),
        "more_body": True,
    }
    await send(message)


def _pieces(text: str) -> list[str]:
    """The text in word-sized pieces, as models stream it."""
    words = text.split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words)]


def _usage(text: str) -> dict[str, int]:
    # A stand-in count (words), enough to tell reported usage from newsqa's own count.
    return {"prompt_tokens": 1000, "completion_tokens": len(text.split()), "total_tokens": 0}


def _completion(text: str, usage: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "model": "loopback",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
    }
    if usage:
        body["usage"] = _usage(text)
    return body


def _chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    delta = {"content": text} if text else {}
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "model": "loopback",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@contextmanager
def serving(app: LoopbackLLM, port: int = 0) -> Iterator[str]:
    """Serves `app` on 127.0.0.1 from a thread; yields its base URL (".../v1")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=30, lifespan="off")
        server = uvicorn.Server(config)
        app.server = server
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the loopback LLM did not start")
            time.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=200.0, help="Time to the answer.")
    parser.add_argument("--text", default="Alexandr Wang leads Superintelligence Labs [1].")
    parser.add_argument("--no-usage", action="store_true", help="Report no token usage.")
    args = parser.parse_args()
    behaviour = Behaviour(text=args.text, delay_s=args.delay_ms / 1000, usage=not args.no_usage)
    uvicorn.run(
        LoopbackLLM(behaviour), host="127.0.0.1", port=args.port, log_level="warning",
        lifespan="off",
    )  # fmt: skip


if __name__ == "__main__":
    main()
