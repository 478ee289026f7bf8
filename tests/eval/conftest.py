"""A loopback HTTP server speaking the service protocol, over a few invented articles.

It stands in for the service where the tests need behaviour a real index cannot be made to
show on demand (a failing question, a slow one); the end-to-end test uses the real service.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, HTTPException

ARTICLES: dict[str, dict[str, Any]] = {
    "zb-1": {
        "title": "Zorblat names a chief",
        "source": "Wire",
        "published_at": "2024-05-01",
        "text": "Zorblat Robotics said its new chief executive is Quimby.",
    },
    "zb-copy": {
        "title": "Zorblat names a chief",
        "source": "Daily",
        "published_at": "2024-05-02",
        "text": "Zorblat Robotics said its new chief executive is Quimby.",
        "duplicate_of": "zb-1",
    },
    "fl-1": {
        "title": "Flumox opens a lab",
        "source": "Daily",
        "published_at": "2025-02-10",
        "text": "Flumox opened a research lab in Tallinn.",
    },
}
INDEXED = ("zb-1", "fl-1")

QUESTIONS = [
    {
        "id": "q1",
        "question": "Who is the chief executive of Zorblat Robotics?",
        "answers": ["Quimby"],
        "type": "who",
        "asked_at": "2024-06-01",
        "gold_ids": ["zb-copy"],
    },
    {
        "id": "q2",
        "question": "Where did Flumox open a research lab?",
        "answers": ["Tallinn"],
        "type": "where",
        "asked_at": "2025-03-01",
        "gold_ids": ["fl-1"],
    },
    {
        "id": "q3",
        "question": "Which planet did Flumox buy?",
        "answers": [],
        "type": "where",
        "gold_ids": [],
    },
    {
        "id": "q4",
        "question": "EXPLODE: who is the chief executive of Zorblat Robotics?",
        "answers": ["Quimby"],
        "type": "who",
        "gold_ids": ["zb-1"],
    },
]


def _words(text: str) -> set[str]:
    return {w.strip(".,?:").lower() for w in text.split()}


@dataclass
class FakeService:
    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_marker: str | None = "EXPLODE"


def _app(state: FakeService) -> FastAPI:
    app = FastAPI()

    def rank(query: str, top_k: int) -> list[dict[str, Any]]:
        scored = []
        for aid in INDEXED:
            art = ARTICLES[aid]
            overlap = len(_words(query) & _words(art["text"]))
            if overlap:
                scored.append((overlap, aid))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [
            {
                "chunk_id": f"{aid}#0",
                "article_id": aid,
                "title": ARTICLES[aid]["title"],
                "source": ARTICLES[aid]["source"],
                "url": None,
                "published_at": ARTICLES[aid]["published_at"],
                "text": ARTICLES[aid]["text"],
                "start": 0,
                "end": len(ARTICLES[aid]["text"]),
                "score": float(score),
            }
            for score, aid in scored[:top_k]
        ]

    def check(body: dict[str, Any], text: str) -> None:
        state.calls.append(body)
        if state.fail_marker and state.fail_marker in text:
            raise HTTPException(500, "boom")
        if "SLOW" in text:
            time.sleep(1.0)

    @app.post("/search")
    def search(body: dict[str, Any]) -> dict[str, Any]:
        check(body, body["query"])
        return {
            "results": rank(body["query"], body["top_k"]),
            "index_version": "gen-000001",
            "took_ms": 1.0,
        }

    @app.post("/ask")
    def ask(body: dict[str, Any]) -> dict[str, Any]:
        check(body, body["question"])
        passages = rank(body["question"], body["top_k"])
        if not passages or passages[0]["score"] < 3:
            return {
                "answer": None,
                "abstained": True,
                "confidence": 0.1,
                "mode_used": "extractive",
                "citations": [],
                "passages": passages,
                "index_version": "gen-000001",
                "took_ms": 1.0,
                "grounded": False,
            }
        last_word = passages[0]["text"].rstrip(".").split()[-1]
        return {
            "answer": last_word,
            "abstained": False,
            "confidence": 0.9,
            "mode_used": "extractive",
            "citations": [],
            "passages": passages,
            "index_version": "gen-000001",
            "took_ms": 1.0,
            "grounded": True,
        }

    @app.get("/articles/{article_id}")
    def article(article_id: str) -> dict[str, Any]:
        if article_id not in ARTICLES:
            raise HTTPException(404, "no such article")
        return {"id": article_id, "duplicate_of": None} | ARTICLES[article_id]

    return app


@pytest.fixture
def fake_service() -> Iterator[FakeService]:
    state = FakeService(url="")
    config = uvicorn.Config(
        _app(state), host="127.0.0.1", port=0, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("loopback server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def question_file(tmp_path: Path) -> Path:
    path = tmp_path / "invented.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n{broken\n", encoding="utf-8")
    return path
