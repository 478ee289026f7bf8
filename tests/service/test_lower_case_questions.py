"""A question typed all in lower case is answered as the same question typed with its
capitals: a real index of articles written for these tests, the real model and reader."""

from __future__ import annotations

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.config import Settings
from service.engine import QAEngine
from tests.conftest import index_of

pytestmark = pytest.mark.slow

ARTICLES: list[dict[str, object]] = [
    {
        "id": "mathbench-results",
        "title": "Corvid 3 and its small sibling on MathBench",
        "source": "Example Wire",
        "published_at": "2026-03-03",
        "text": "Corvid AI published results for its new models. On the MathBench 2024 test, "
        "Corvid 3 without reasoning scored 52 percent, and Corvid 3 mini 40 percent, ahead of "
        "Wren-V3 at 39 percent.",
    },
    {
        "id": "summit-prize",
        "title": "Halvorsen wins in Oslo",
        "source": "Daily Chip",
        "published_at": "2026-03-20",
        "text": "Halvorsen won the top prize at the Nordic Automation Summit, known as NAS, in "
        "Oslo this week. Its routing model plans crane moves a day ahead.",
    },
    {
        "id": "harbour-pilot",
        "title": "A harbour tries planning software",
        "source": "Example Wire",
        "published_at": "2026-03-24",
        "text": "The harbour of Lindvik will try crane-planning software for six months, its "
        "board said, after a winter of delays at the container quay.",
    },
]


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> QAEngine:
    index = index_of(ARTICLES, tmp_path_factory.mktemp("lower_case"), embedder)
    qa = QAEngine(Settings(index_dir=index), embedder=embedder)
    qa.warm_up()
    return qa


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Whose score: the name the question gives is found by its capitals.
        ("What did Corvid 3 mini score on MathBench 2024?", "40 percent"),
        # What an acronym stands for: the acronym is found by its capitals.
        ("What does NAS stand for?", "Nordic Automation Summit"),
    ],
)
def test_a_question_in_lower_case_is_answered_as_with_its_capitals(
    engine: QAEngine, question: str, expected: str
) -> None:
    assert engine.ask(question).answer == expected
    typed = engine.ask(question.lower())
    assert typed.answer == expected
    assert typed.citations and typed.citations[0].article_id in {
        "mathbench-results",
        "summit-prize",
    }
