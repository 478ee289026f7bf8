"""Bridge and comparison questions end to end: a real index of articles written for these
tests, the real reader, and /ask on a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from service.http.app import create_app
from tests.conftest import index_of
from tests.service.http.test_app_support import running_server

ARTICLES: list[dict[str, object]] = [
    {
        "id": "wren-launch",
        "title": "Halvorsen Labs shows Wren, a speech model for call centres",
        "source": "Example Wire",
        "published_at": "2026-03-03",
        "text": "Halvorsen Labs built Wren, a speech model that answers calls for small "
        "businesses. The lab said Wren runs on a single laptop.",
    },
    {
        "id": "halvorsen-round",
        "title": "Halvorsen Labs closes its first funding round",
        "source": "Daily Chip",
        "published_at": "2026-03-20",
        "text": "Halvorsen Labs raised 22 million euros in a round led by Fjord Capital. "
        "The money will pay for a second office in Bergen.",
    },
    {
        "id": "orion-scores",
        "title": "Lumen Labs reports Orion 2 results",
        "source": "Example Wire",
        "published_at": "2026-03-10",
        "text": "Orion 2 scored 81.4 percent on the MMLU test, its maker Lumen Labs said.",
    },
    {
        "id": "vega-scores",
        "title": "Corvid AI tests Vega 3",
        "source": "The Open Ledger",
        "published_at": "2026-03-12",
        "text": "Vega 3 scored 77.9 percent on the MMLU test in runs by Corvid AI.",
    },
    {
        "id": "tidewater-round",
        "title": "Tidewater Robotics raises money for dock cranes",
        "source": "Daily Chip",
        "published_at": "2026-03-21",
        "text": "Tidewater Robotics raised 9 million euros from Pike Partners to build "
        "self-driving dock cranes.",
    },
]
QUESTION = "The lab that built Wren: how much did it raise?"


@pytest.fixture(scope="module")
def index_dir(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    return index_of(ARTICLES, tmp_path_factory.mktemp("bridge_index"), embedder, chunk_tokens=60)


@pytest.fixture(scope="module")
def engine(index_dir: Path, embedder: SentenceTransformerEmbedder) -> Iterator[QAEngine]:
    qa = QAEngine(Settings(index_dir=index_dir), embedder=embedder)
    qa.warm_up()
    yield qa
    qa.close()


def _texts() -> dict[str, str]:
    return {str(a["id"]): str(a["text"]) for a in ARTICLES}


def test_the_described_thing_is_named_first_then_asked_about(engine: QAEngine) -> None:
    result = engine.ask(QUESTION)
    assert result.bridge == "Halvorsen Labs"
    assert result.answer is not None and result.answer.startswith("22 million")
    assert not result.abstained and 0.0 < result.confidence <= 1.0
    texts = _texts()
    answer, named = result.citations[0], result.citations[-1]
    assert answer.article_id == "halvorsen-round"
    assert texts[answer.article_id][answer.start : answer.end] == result.answer
    assert named.article_id == "wren-launch"  # the sentence that says who built Wren
    assert texts[named.article_id][named.start : named.end] == "Halvorsen Labs"
    # The passages are the second search's: about Halvorsen Labs raising money.
    assert result.passages[0].article_id == "halvorsen-round"


def test_a_bridge_whose_thing_no_article_names_is_read_as_asked(engine: QAEngine) -> None:
    result = engine.ask("The lab that built Zephyrine Nine: who leads it?")
    assert result.bridge is None


def test_other_questions_have_no_bridge(engine: QAEngine) -> None:
    result = engine.ask("How much did Tidewater Robotics raise?")
    assert result.bridge is None
    assert result.answer is not None and result.answer.startswith("9 million")


def test_the_api_returns_and_documents_the_bridge(
    index_dir: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = Settings(index_dir=index_dir)
    app = create_app(settings, engine=QAEngine(settings, embedder=embedder))
    with running_server(app) as url:
        body = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=30).json()
        schema = httpx.get(f"{url}/openapi.json", timeout=30).json()
    assert body["bridge"] == "Halvorsen Labs"
    assert body["answer"].startswith("22 million")
    assert "bridge" in schema["components"]["schemas"]["AskResult"]["properties"]


@pytest.mark.parametrize(
    ("question", "winner"),
    [
        ("Which scored higher on MMLU, Orion 2 or Vega 3?", "Orion 2"),
        ("Which scored lower on MMLU, Orion 2 or Vega 3?", "Vega 3"),
        ("Between Vega 3 and Orion 2, which scored more on MMLU?", "Orion 2"),
    ],
)
def test_a_comparison_reads_both_values_and_names_the_winner(
    engine: QAEngine, question: str, winner: str
) -> None:
    result = engine.ask(question)
    assert (result.answer, result.abstained, result.bridge) == (winner, False, None)
    texts = _texts()
    marked = {texts[c.article_id][c.start : c.end] for c in result.citations}
    assert marked == {"81.4 percent", "77.9 percent"}  # each value, in its own article
    quoted = result.citations[0].quote
    assert winner in quoted  # the winner's value comes first


def test_a_comparison_without_both_values_is_read_as_asked(engine: QAEngine) -> None:
    result = engine.ask("Which scored higher on MMLU, Orion 2 or Zephyrine Nine?")
    # No value for Zephyrine Nine: no comparison; the span reader's answer (or abstention),
    # which quotes exactly what its first citation marks.
    if not result.abstained:
        first = result.citations[0]
        assert _texts()[first.article_id][first.start : first.end] == result.answer
