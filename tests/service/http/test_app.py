"""The HTTP API over a real small index, the real model, retriever and reader."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import article_texts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(small_index: Path, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    settings = Settings(index_dir=small_index, rate_limit_per_minute=10_000)  # only read
    app = create_app(settings, engine=QAEngine(settings, embedder=embedder))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def texts(small_index: Path) -> dict[str, str]:
    return article_texts(small_index)


def test_readyz_names_the_served_generation(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["index_version"].startswith("gen-")
    assert body["articles"] == 6  # the exact duplicate is kept out of the index
    assert body["chunks"] > 6
    assert response.headers["x-index-version"] == body["index_version"]


def test_search_returns_passages_in_rank_order_with_exact_offsets(
    client: TestClient, texts: dict[str, str]
) -> None:
    query = {"query": "open translation model for forty languages", "top_k": 3}
    started = time.perf_counter()
    response = client.post("/search", json=query)
    round_trip_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert 1 <= len(results) <= 3
    assert results[0]["article_id"] == "meridian-translation"
    assert results[0]["source"] == "The Open Ledger"
    assert results[0]["published_at"] == "2025-11-20"
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    for result in results:
        assert texts[result["article_id"]][result["start"] : result["end"]] == result["text"]
    assert response.headers["x-index-version"] == body["index_version"]
    # The server's own measure of the search: some time, within the round trip around it.
    assert 0 < body["took_ms"] <= round_trip_ms


@pytest.mark.parametrize("mode", ["keyword", "dense", "hybrid"])
def test_each_retrieval_mode_finds_the_obvious_article(client: TestClient, mode: str) -> None:
    body = {"query": "Brightwater speech chips Harbor Ventures", "top_k": 3, "mode": mode}
    results = client.post("/search", json=body).json()["results"]
    assert results[0]["article_id"] == "brightwater-funding"


def test_search_filters_by_source_and_date(client: TestClient) -> None:
    query = "chips robots translation data center hiring"
    results = client.post(
        "/search", json={"query": query, "filters": {"sources": ["Daily Chip"]}}
    ).json()["results"]
    assert results
    assert {result["source"] for result in results} == {"Daily Chip"}

    window = {"published_after": "2026-02-01", "published_before": "2026-03-31"}
    results = client.post("/search", json={"query": query, "filters": window}).json()["results"]
    assert {result["article_id"] for result in results} == {
        "brightwater-funding",
        "norland-hiring-review",
    }


def test_as_of_leaves_out_later_news(client: TestClient) -> None:
    body = {"query": "chips robots translation data center hiring", "as_of": "2025-12-31"}
    results = client.post("/search", json=body).json()["results"]
    assert results
    assert {result["article_id"] for result in results} == {"meridian-translation"}


def test_an_as_of_after_the_newest_news_answers_as_asked_now(client: TestClient) -> None:
    """An as_of on or after the newest article indexed (2026-04-14) leaves nothing out: the
    question is asked now, and a story months older than that day is no weaker for it. Before
    that day the asker goes back in time, and the story's age weighs against it."""
    question = {"question": "How many parameters does Parley have?"}  # a 2025-11-20 story
    undated = client.post("/ask", json=question).json()
    today = client.post("/ask", json={**question, "as_of": date.today().isoformat()}).json()
    back = client.post("/ask", json={**question, "as_of": "2026-04-13"}).json()
    assert undated["answer"] == "3 billion"
    assert (today["answer"], today["confidence"]) == (undated["answer"], undated["confidence"])
    assert back["confidence"] < undated["confidence"]


def _check_citations(body: dict[str, Any], texts: dict[str, str]) -> None:
    assert body["citations"]
    for citation in body["citations"]:
        text = texts[citation["article_id"]]
        assert text[citation["start"] : citation["end"]] == body["answer"]
        assert citation["quote"] in text
        assert body["answer"] in citation["quote"]


def test_ask_answers_with_an_exact_citation(client: TestClient, texts: dict[str, str]) -> None:
    response = client.post("/ask", json={"question": "Where is Orbital Labs based?"})
    assert response.status_code == 200
    body = response.json()
    assert body["abstained"] is False
    assert body["answer"] == "Tallinn"
    assert body["mode_used"] == "extractive"
    assert 0 <= body["confidence"] <= 1
    citation = body["citations"][0]
    assert citation["article_id"] == "orbital-kestrel"
    assert citation["title"] == "Orbital Labs unveils Kestrel, a model for warehouse robots"
    assert citation["url"] == "https://news.example.test/orbital-kestrel"
    assert citation["published_at"] == "2026-01-05"
    _check_citations(body, texts)
    assert body["passages"][0]["article_id"] == "orbital-kestrel"
    assert response.headers["x-index-version"] == body["index_version"]


def test_get_ask_gives_the_same_answer_as_post(client: TestClient, texts: dict[str, str]) -> None:
    question = "How many languages does Parley cover?"
    posted = client.post("/ask", json={"question": question, "top_k": 5}).json()
    got = client.get("/ask", params={"q": question, "top_k": 5}).json()
    for body in (posted, got):
        body.pop("took_ms")
    assert got == posted
    _check_citations(got, texts)


def test_article_shows_the_canonical_copy_and_other_sources(
    client: TestClient, texts: dict[str, str]
) -> None:
    canonical = client.get("/articles/brightwater-funding").json()
    assert canonical["duplicate_of"] is None
    assert canonical["text"] == texts["brightwater-funding"]
    assert [alt["id"] for alt in canonical["alternative_sources"]] == ["brightwater-funding-copy"]
    assert canonical["alternative_sources"][0]["source"] == "Syndicate Post"

    copy = client.get("/articles/brightwater-funding-copy").json()
    assert copy["duplicate_of"] == "brightwater-funding"
    assert copy["source"] == "Syndicate Post"
    assert copy["alternative_sources"] == []

    undated = client.get("/articles/glacier-datacenter").json()
    assert (undated["url"], undated["published_at"], undated["duplicate_of"]) == (None, None, None)
    assert undated["alternative_sources"] == []
    assert client.get("/articles/sable-benchmark").json()["title"] is None


def test_unknown_article_is_a_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/articles/never-published")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_answers_abstentions_and_the_index(client: TestClient) -> None:
    before = _samples(client)
    questions = [
        "Who founded Brightwater?",
        "How many people does Orbital Labs employ?",
        "What did the mayor of Atlantis say about the tides?",
    ]
    abstained = sum(
        client.post("/ask", json={"question": q}).json()["abstained"] for q in questions
    )
    client.get("/articles/nope")
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    labels = {"route": "/ask", "method": "POST", "status": "200"}
    assert delta("newsqa_http_requests_total", **labels) == 3
    missing = {"route": "/articles/{article_id}", "method": "GET", "status": "404"}
    assert delta("newsqa_http_requests_total", **missing) == 1
    assert delta("newsqa_http_request_duration_seconds_count", route="/ask") == 3
    assert delta("newsqa_answers_total", mode="extractive") == 3
    assert delta("newsqa_abstentions_total") == abstained
    assert after[("newsqa_index_articles", ())] == 6
    assert after[("newsqa_index_chunks", ())] > 6
    assert after[("newsqa_index_ready", ())] == 1


def test_info_lists_the_outlets_and_the_indexs_freshness(client: TestClient) -> None:
    response = client.get("/info")
    assert response.status_code == 200
    body = response.json()
    assert response.headers["x-index-version"] == body["index_version"]
    # Six indexed articles; the exact copy from Syndicate Post is not one of them.
    assert body["articles"] == 6
    assert body["chunks"] == client.get("/readyz").json()["chunks"]
    assert body["outlets"] == [
        {"name": "Daily Chip", "articles": 2, "newest_published_at": "2026-02-10"},
        {"name": "Example Wire", "articles": 2, "newest_published_at": "2026-03-02"},
        {"name": "The Open Ledger", "articles": 2, "newest_published_at": "2026-04-14"},
    ]
    assert body["newest_published_at"] == "2026-04-14"
    assert body["oldest_published_at"] == "2025-11-20"
    assert body["llm_configured"] is False


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/search", "/ask", "/articles/{article_id}", "/info", "/healthz", "/readyz"} <= set(
        paths
    )
    assert not {"/", "/read/{article_id}", "/static/{name}"} & set(paths)
    # Each body is documented as the type the engine returns, and errors in their one shape.
    ok = paths["/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"] == "#/components/schemas/AskResult"
    answer = schema["components"]["schemas"]["AskResult"]["properties"]
    assert {"answer", "abstained", "confidence", "citations", "passages"} <= set(answer)
    not_found = paths["/articles/{article_id}"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "swagger-ui" in docs.text.lower()
