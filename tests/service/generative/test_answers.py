"""Generative answers end to end: a real index of corpus/ briefs, the real model and reader, a real
uvicorn server, and the loopback LLM as the endpoint; /ask plain and streamed, the modes, the
fallbacks, the key kept out of every output, and /metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bench.loopback_llm import Behaviour, LoopbackLLM
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.text.tokens import load_encoding
from indexer.types import SearchFilters
from service.config import Settings
from service.engine import QAEngine
from service.generative.prompt import NO_ANSWER
from service.generative.wiring import open_answerer
from service.http.app import create_app
from service.types import AskResult, Retrieved
from tests.service.generative.conftest import API_KEY, llm_settings
from tests.service.http.test_app_support import running_server

pytestmark = pytest.mark.slow

SEED = "who leads Superintelligence Labs?"
UNANSWERABLE = "What colour is the lobby carpet at Quillon Capital's Lisbon office?"
BUDGET = 1500
# The reader's confidence: the seed answer about 0.6, its best guess for UNANSWERABLE about 0.2.
THRESHOLD = 0.4


def cite_the_wang_passage(request: dict[str, Any]) -> str:
    """What a faithful model answers: the number of the passage that names the lab's head."""
    prompt = request["messages"][-1]["content"]
    for block in re.split(r"\n(?=\[\d+\] title:)", prompt):
        number = re.match(r"\[(\d+)\]", block)
        if number and "Alexandr Wang is the head of Superintelligence Labs" in block:
            return f"Alexandr Wang leads Superintelligence Labs [{number.group(1)}]."
    return NO_ANSWER


@pytest.fixture(scope="module")
def served(
    corpus_index: Path, embedder: SentenceTransformerEmbedder, loopback: tuple[LoopbackLLM, str]
) -> Iterator[tuple[str, Settings]]:
    """A real server with an LLM (the loopback one) over the corpus index."""
    settings = llm_settings(
        loopback[1], index_dir=corpus_index, llm_retries=1, llm_read_timeout_s=1.0,
        llm_context_budget_tokens=BUDGET, abstain_threshold=THRESHOLD,
    )  # fmt: skip
    engine = QAEngine(settings, embedder=embedder)
    with running_server(create_app(settings, engine=engine)) as url:
        yield url, settings
    engine.close()


@pytest.fixture
def url(served: tuple[str, Settings], llm: LoopbackLLM) -> str:
    return served[0]


def events(response: httpx.Response) -> list[tuple[str, Any]]:
    """(event name, decoded data) of a server-sent event stream."""
    found = []
    for block in response.text.strip().split("\n\n"):
        name = re.search(r"^event: (.+)$", block, re.M)
        data = re.search(r"^data: (.+)$", block, re.M)
        assert name and data, block
        found.append((name.group(1), json.loads(data.group(1))))
    return found


def test_the_seed_question_cites_alexandr_wang_to_the_character(url: str, llm: LoopbackLLM) -> None:
    llm.default = Behaviour(text=cite_the_wang_passage)
    body = httpx.post(f"{url}/ask", json={"question": SEED, "mode": "generative"}, timeout=30)
    assert body.status_code == 200, body.text
    answer = body.json()
    assert answer["mode_used"] == "generative" and answer["fallback_reason"] is None
    assert answer["answer"].startswith("Alexandr Wang leads Superintelligence Labs [")
    assert answer["grounded"] and answer["unsupported_sentences"] == []
    assert answer["usage"] == {"prompt_tokens": 1000, "completion_tokens": 6, "counted": False}
    citation = answer["citations"][0]
    article = httpx.get(f"{url}/articles/{citation['article_id']}").json()
    assert article["text"][citation["start"] : citation["end"]] == "Alexandr Wang"
    assert citation["quote"] in article["text"]
    assert citation["marker"] == int(re.findall(r"\[(\d+)\]", answer["answer"])[0])
    # The prompt the endpoint got: the question, its date, within the budget by tiktoken's count.
    sent = llm.requests[0].body
    encoding = load_encoding("o200k_base")  # gpt-4o-mini's
    tokens = 3 + sum(
        3 + len(encoding.encode(m["role"])) + len(encoding.encode(m["content"]))
        for m in sent["messages"]
    )
    assert tokens <= BUDGET
    assert sent["messages"][-1]["content"].endswith(f"Question: {SEED}")
    assert "Today is " in sent["messages"][-1]["content"]


def test_generative_answers_fall_back_to_extractive_when_the_endpoint_fails(
    url: str, llm: LoopbackLLM
) -> None:
    llm.default = Behaviour(status=500)
    answer = httpx.post(f"{url}/ask", json={"question": SEED, "mode": "generative"}, timeout=30)
    body = answer.json()
    assert answer.status_code == 200
    assert (body["mode_used"], body["fallback_reason"]) == ("extractive", "upstream_unavailable")
    assert llm.attempts == 2  # one retry
    assert body["usage"] is None
    llm.default = Behaviour(stall_s=5.0)  # past the 1 s read timeout, twice
    started = time.monotonic()
    body = httpx.post(f"{url}/ask", json={"question": SEED, "mode": "generative"}, timeout=30)
    assert body.json()["fallback_reason"] == "upstream_timeout"
    assert time.monotonic() - started < 4


def test_a_refused_request_is_a_502_that_never_shows_the_key(
    url: str, llm: LoopbackLLM, caplog: pytest.LogCaptureFixture
) -> None:
    llm.default = Behaviour(status=401, body=f'{{"error": "bad key {API_KEY}"}}'.encode())
    with caplog.at_level(logging.DEBUG):
        response = httpx.post(f"{url}/ask", json={"question": SEED, "mode": "generative"})
        streamed = httpx.post(
            f"{url}/ask", json={"question": SEED, "mode": "generative", "stream": True}
        )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_rejected"
    assert "NEWSQA_LLM_API_KEY" in response.json()["error"]["message"]
    assert events(streamed)[-1][0] == "error"
    assert llm.attempts == 2  # one per request: never retried
    metrics = httpx.get(f"{url}/metrics").text
    assert 'newsqa_llm_requests_total{outcome="upstream_rejected"}' in metrics
    for text in (response.text, streamed.text, metrics, caplog.text):
        assert API_KEY not in text


def test_auto_asks_the_llm_only_where_the_reader_is_not_confident(
    url: str, llm: LoopbackLLM
) -> None:
    llm.default = Behaviour(text=NO_ANSWER)
    confident = httpx.post(f"{url}/ask", json={"question": SEED}, timeout=30).json()
    assert (confident["mode_used"], confident["fallback_reason"]) == ("extractive", None)
    assert confident["answer"] == "Alexandr Wang" and llm.attempts == 0
    unsure = httpx.post(f"{url}/ask", json={"question": UNANSWERABLE}, timeout=30).json()
    assert (unsure["mode_used"], unsure["fallback_reason"]) == ("generative", "low_confidence")
    assert unsure["abstained"] and unsure["answer"] is None and llm.attempts == 1


def test_streamed_answers_send_passages_deltas_citations_then_done(
    url: str, llm: LoopbackLLM
) -> None:
    llm.default = Behaviour(text=cite_the_wang_passage)
    response = httpx.post(
        f"{url}/ask", json={"question": SEED, "mode": "generative", "stream": True}, timeout=30
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    found = events(response)
    names = [name for name, _ in found]
    assert names[0] == "passages" and names[-2:] == ["citations", "done"]
    assert set(names[1:-2]) == {"delta"} and len(names) > 5
    text = "".join(data["text"] for name, data in found if name == "delta")
    citations, done = found[-2][1], found[-1][1]
    assert text == citations["answer"] and text.startswith("Alexandr Wang leads")
    assert citations["grounded"] and citations["citations"][0]["marker"] >= 1
    assert done["mode_used"] == "generative" and done["usage"]["prompt_tokens"] == 1000
    assert not done["partial"] and done["index_version"] == found[0][1]["index_version"]


def test_a_broken_stream_gives_a_flagged_partial_answer_or_the_extractive_one(
    url: str, llm: LoopbackLLM
) -> None:
    ask = {"question": SEED, "mode": "generative", "stream": True}
    llm.script(Behaviour(text="Alexandr Wang leads the lab [1]. More", done=False))
    done = events(httpx.post(f"{url}/ask", json=ask, timeout=30))[-1][1]
    assert (done["mode_used"], done["partial"]) == ("generative", True)
    assert done["fallback_reason"] == "upstream_incomplete"
    llm.default = Behaviour(status=503)  # fails before any text: the extractive answer stands in
    found = events(httpx.post(f"{url}/ask", json=ask, timeout=30))
    assert [name for name, _ in found] == ["passages", "delta", "citations", "done"]
    assert found[1][1]["text"] == "Alexandr Wang"
    assert found[-1][1]["fallback_reason"] == "upstream_unavailable"


def test_a_client_that_leaves_a_stream_cancels_the_upstream_request(
    url: str, llm: LoopbackLLM
) -> None:
    llm.script(Behaviour(text=" ".join(["word"] * 400), piece_delay_s=0.05))
    ask = {"question": SEED, "mode": "generative", "stream": True}
    with httpx.stream("POST", f"{url}/ask", json=ask, timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith("event: delta"):
                break
    deadline = time.monotonic() + 5
    while llm.disconnects < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert llm.disconnects == 1
    assert time.monotonic() - llm.requests[0].started < 5  # long before the 20 s answer ends


def test_the_openai_client_can_use_newsqa_as_a_model(url: str, llm: LoopbackLLM) -> None:
    from openai import OpenAI

    llm.default = Behaviour(text=cite_the_wang_passage)
    client = OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == [
        "newsqa", "newsqa-extractive", "newsqa-generative",
    ]  # fmt: skip
    question = [{"role": "user", "content": SEED}]
    completion = client.chat.completions.create(model="newsqa-generative", messages=question)
    content = completion.choices[0].message.content or ""
    assert content.startswith("Alexandr Wang leads Superintelligence Labs [")
    assert "\n\nSources:\n[" in content and "Alexandr Wang is the head" in content
    assert completion.usage is not None and completion.usage.prompt_tokens == 1000
    stream = client.chat.completions.create(
        model="newsqa-generative",
        messages=[{"role": "user", "content": "Who heads Meta's new AI group?"}, *question],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed.startswith("Alexandr Wang leads") and "Sources:" in streamed
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 6
    assert len(llm.requests[-1].body["messages"]) == 3  # the earlier turn went along
    extractive = client.chat.completions.create(model="newsqa-extractive", messages=question)
    assert (extractive.choices[0].message.content or "").startswith("Alexandr Wang [1]")


def test_without_an_endpoint_generative_is_a_400_naming_the_setting(
    corpus_index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = Settings(
        index_dir=corpus_index, rate_limit_per_minute=10_000, abstain_threshold=THRESHOLD
    )
    with TestClient(create_app(settings, engine=QAEngine(settings, embedder=embedder))) as client:
        refused = client.post("/ask", json={"question": SEED, "mode": "generative"})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "llm_not_configured"
        assert "NEWSQA_LLM_BASE_URL" in refused.json()["error"]["message"]
        auto = client.post("/ask", json={"question": UNANSWERABLE}).json()
        assert (auto["mode_used"], auto["fallback_reason"]) == ("extractive", "llm_not_configured")
        assert auto["abstained"]


def test_the_breaker_state_is_in_metrics_and_an_open_breaker_falls_back_at_once(
    corpus_index: Path, embedder: SentenceTransformerEmbedder, llm: LoopbackLLM, llm_url: str
) -> None:
    settings = llm_settings(llm_url, index_dir=corpus_index, llm_retries=0, llm_breaker_threshold=1)
    llm.default = Behaviour(status=500)
    ask = {"question": SEED, "mode": "generative"}
    with TestClient(create_app(settings, engine=QAEngine(settings, embedder=embedder))) as client:
        assert "newsqa_llm_circuit_state 0.0" in client.get("/metrics").text
        first = client.post("/ask", json=ask).json()
        second = client.post("/ask", json=ask).json()
        metrics = client.get("/metrics").text
    assert first["fallback_reason"] == "upstream_unavailable"
    assert second["fallback_reason"] == "circuit_open" and llm.attempts == 1
    assert "newsqa_llm_circuit_state 2.0" in metrics
    assert 'newsqa_llm_fallbacks_total{reason="circuit_open"} 1.0' in metrics


def test_the_extractive_fallback_reads_with_the_requests_date_and_filters(
    corpus_index: Path,
    embedder: SentenceTransformerEmbedder,
    loopback: tuple[LoopbackLLM, str],
    llm: LoopbackLLM,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm.default = Behaviour(status=500)
    settings = llm_settings(loopback[1], index_dir=corpus_index, llm_retries=0)
    engine = QAEngine(settings, embedder=embedder)
    engine.warm_up()
    read_with: list[Retrieved] = []
    real_read = engine.read

    def spy(question: str, retrieved: Retrieved) -> AskResult:
        read_with.append(retrieved)
        return real_read(question, retrieved)

    monkeypatch.setattr(engine, "read", spy)
    filters = SearchFilters(sources=("newsqa seed article",))
    asked_on = date(2026, 4, 20)

    async def ask() -> AskResult:
        async with open_answerer(settings, engine) as answerer:
            return await answerer.ask(SEED, mode="generative", filters=filters, as_of=asked_on)

    try:
        result = asyncio.run(ask())
    finally:
        engine.close()
    assert (result.mode_used, result.fallback_reason) == ("extractive", "upstream_unavailable")
    assert result.answer == "Alexandr Wang"
    (retrieved,) = read_with  # read once, as retrieved: with the request's date and filters
    assert (retrieved.as_of, retrieved.filters) == (asked_on, filters)
