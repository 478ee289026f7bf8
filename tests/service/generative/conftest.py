"""Fixtures for generative answers: a chat-completions server on 127.0.0.1 scripted per test,
settings pointed at it with short timeouts, and a real index of a few of corpus/'s briefs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.loopback_llm import Behaviour, LoopbackLLM, serving
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from tests.conftest import REPO_ROOT

API_KEY = "sk-test-0123456789abcdefSECRET"
# The seed story, its neighbours at Meta, and unrelated briefs for retrieval to rank below them.
CORPUS_BRIEFS = (
    "brief-superintelligence-labs-alexandr-wang.md",
    "brief-meta-muse-spark-launch.md",
    "brief-muse-spark-applications.md",
    "brief-meta-hybrid-model-strategy.md",
    "brief-anthropic-claude-3-7-sonnet.md",
    "brief-alibaba-qwq-32b.md",
    "brief-amazon-alexa-plus.md",
    "brief-big-tech-ai-capex-2025.md",
)


@pytest.fixture(scope="session")
def loopback() -> Iterator[tuple[LoopbackLLM, str]]:
    app = LoopbackLLM()
    with serving(app) as url:
        yield app, url


@pytest.fixture
def llm(loopback: tuple[LoopbackLLM, str]) -> LoopbackLLM:
    """The loopback LLM with an empty script and no requests recorded."""
    app, _ = loopback
    app.default = Behaviour()
    app.script()
    return app


@pytest.fixture
def llm_url(loopback: tuple[LoopbackLLM, str]) -> str:
    return loopback[1]


def llm_settings(url: str, **overrides: Any) -> Settings:
    """Settings for the loopback LLM: short timeouts and waits, so faults show in milliseconds."""
    values: dict[str, Any] = {
        "llm_base_url": url,
        "llm_model": "gpt-4o-mini",
        "llm_api_key": API_KEY,
        "llm_connect_timeout_s": 2.0,
        "llm_read_timeout_s": 2.0,
        "llm_total_timeout_s": 10.0,
        "llm_retries": 2,
        "llm_retry_max_wait_s": 0.05,
        "llm_breaker_threshold": 50,
        "rate_limit_per_minute": 100_000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    """A real index of eight of corpus/'s briefs (the seed story among them); read-only."""
    from indexer.config import IndexConfig
    from indexer.pipeline.run import build_index

    root = tmp_path_factory.mktemp("corpus_index")
    (root / "briefs").mkdir()
    for name in CORPUS_BRIEFS:
        shutil.copy(REPO_ROOT / "corpus" / name, root / "briefs" / name)
    build_index([root / "briefs"], root / "index", IndexConfig(), embedder=embedder, progress=False)
    return root / "index"
