"""The fuzz suite's short version: Schemathesis over /openapi.json of a real server on
127.0.0.1 (real index, model, retriever and reader), 20 examples per operation and mode, the
OpenAI-compatible facade and the web page's routes included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fuzz import fuzz
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.service.http.test_app_support import running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(small_index: Path, embedder: SentenceTransformerEmbedder) -> Iterator[str]:
    settings = Settings(index_dir=small_index, rate_limit_per_minute=1_000_000)
    engine = QAEngine(settings, embedder=embedder)
    with running_server(create_app(settings, engine=engine)) as base_url:
        yield base_url
    engine.close()


def test_no_operation_answers_5xx_or_outside_its_schema(url: str) -> None:
    outcomes = fuzz(url, examples=20)
    assert {label.split(" (")[0] for label in outcomes} >= {
        "POST /search", "POST /ask", "GET /ask", "GET /articles/{article_id}", "GET /readyz",
        "GET /info", "POST /v1/chat/completions", "GET /v1/models",
    }  # fmt: skip
    for label, outcome in outcomes.items():
        assert outcome["server_errors"] == 0, (label, outcome["failures"])
        assert outcome["failed_checks"] == 0, (label, outcome["failures"])
        if outcome["has_input"] and "note" not in outcome:
            assert outcome["requests"] >= 20, label
