"""A long answer is not a slow client: streamed answers that run well past the head and body
deadlines finish, on a real uvicorn with the head-deadline protocol, a 0.5 s body deadline and
an in-flight cap of one (the stream holds its slot until it ends, then frees it)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.loopback_llm import Behaviour, LoopbackLLM
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.generative.conftest import llm_settings
from tests.service.http.test_slow_clients import DEADLINE_S, serving

pytestmark = pytest.mark.slow

WORDS = 30
PIECE_DELAY_S = 0.05  # 30 pieces: about 1.5 s of streaming, three deadlines
QUESTION = "who leads Superintelligence Labs?"


@pytest.fixture(scope="module")
def served(
    corpus_index: Path, embedder: SentenceTransformerEmbedder, loopback: tuple[LoopbackLLM, str]
) -> Iterator[str]:
    settings = llm_settings(
        loopback[1],
        index_dir=corpus_index,
        header_timeout_s=DEADLINE_S,
        body_timeout_s=DEADLINE_S,
        max_in_flight=1,
    )
    engine = QAEngine(settings, embedder=embedder)
    with serving(create_app(settings, engine=engine)) as port:
        yield f"http://127.0.0.1:{port}"
    engine.close()


@pytest.fixture
def url(served: str, llm: LoopbackLLM) -> str:
    llm.default = Behaviour(text=" ".join(["word"] * WORDS), piece_delay_s=PIECE_DELAY_S)
    return served


def test_a_streamed_answer_longer_than_the_deadlines_completes(url: str) -> None:
    ask = {"question": QUESTION, "mode": "generative", "stream": True}
    started = time.monotonic()
    with httpx.stream("POST", f"{url}/ask", json=ask, timeout=30) as response:
        assert response.status_code == 200
        lines = iter(response.iter_lines())
        for line in lines:
            if line == "event: delta":
                break
        # Mid-stream, the one slot is taken: another request is refused at once.
        refused = httpx.get(f"{url}/info", timeout=10)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "overloaded"
        rest = "\n".join(lines)
    took = time.monotonic() - started
    assert took > 2 * DEADLINE_S  # the stream outlasted both deadlines
    names = re.findall(r"^event: (.+)$", rest, re.M)
    assert names[-2:] == ["citations", "done"], names
    done = json.loads(re.findall(r"^data: (.+)$", rest, re.M)[-1])
    assert done["mode_used"] == "generative" and not done["partial"]
    assert httpx.get(f"{url}/info", timeout=10).status_code == 200  # the slot is free again


def test_a_streamed_chat_completion_longer_than_the_deadlines_completes(url: str) -> None:
    body = {
        "model": "newsqa-generative",
        "messages": [{"role": "user", "content": QUESTION}],
        "stream": True,
    }
    started = time.monotonic()
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert time.monotonic() - started > 2 * DEADLINE_S
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text.startswith(" ".join(["word"] * WORDS))
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
