"""QAEngine in-process (as eval uses it): readiness, queries, leases across a generation swap."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

import service.engine
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.store.generations import current_generation_dir
from indexer.types import SearchFilters
from service.config import Settings
from service.engine import IndexUnavailableError, QAEngine
from service.generative.errors import LLMNotConfiguredError
from service.types import Answer, RetrievalHit
from tests.conftest import keyword_hits
from tests.service.http.test_app_support import index_copy, publish_later_article


def test_without_an_index_the_engine_is_alive_but_not_ready(tmp_path: Path) -> None:
    engine = QAEngine(Settings(index_dir=tmp_path / "nothing"))
    engine.warm_up()
    assert not engine.ready
    assert engine.index is None and engine.index_version is None
    assert engine.maybe_reload() is False
    with pytest.raises(IndexUnavailableError, match="newsqa index build"):
        engine.ask("Who runs Lumora Labs?")
    with pytest.raises(IndexUnavailableError):
        engine.search("Lumora")


def test_generative_mode_and_bad_top_k_are_clear_errors(tmp_path: Path) -> None:
    engine = QAEngine(Settings(index_dir=tmp_path / "nothing"))
    with pytest.raises(LLMNotConfiguredError, match="NEWSQA_LLM_BASE_URL"):
        engine.ask("Who?", mode="generative")
    with pytest.raises(ValueError, match="Currently, top_k is 0"):
        engine.search("Lumora", top_k=0)


@pytest.fixture
def engine(small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path) -> QAEngine:
    index_dir = index_copy(small_index, tmp_path / "index")
    qa = QAEngine(Settings(index_dir=index_dir), embedder=embedder)
    qa.warm_up()
    return qa


@pytest.mark.slow
def test_search_and_ask_carry_the_index_version(engine: QAEngine) -> None:
    assert engine.ready and engine.index is not None
    found = engine.search(
        "translation model", top_k=2, filters=SearchFilters(sources=("The Open Ledger",))
    )
    assert found.index_version == engine.index_version
    assert found.results and all(hit.source == "The Open Ledger" for hit in found.results)
    result = engine.ask("Where is Orbital Labs based?", mode="extractive", top_k=3)
    assert result.index_version == engine.index_version
    assert result.mode_used == "extractive"
    # What the answer is belongs to the reader's tests; here: it came from these passages.
    cited = {citation.article_id for citation in result.citations}
    assert cited <= {hit.article_id for hit in result.passages}
    assert result.passages[0].article_id == "orbital-kestrel"
    assert len(result.passages) <= 3
    auto = engine.ask("Where is Orbital Labs based?", top_k=3)
    assert auto.mode_used == "extractive"
    assert result.verdict is None and auto.verdict is None  # not a yes/no question
    engine.close()
    assert not engine.ready


@pytest.mark.slow
def test_a_question_with_pasted_markup_is_answered_as_its_words(engine: QAEngine) -> None:
    plain = engine.ask("Where is Orbital Labs based?", top_k=3)
    pasted = engine.ask(
        'Where is <a href="https://example.com/orbital-labs-based">Orbital Labs</a> based?<br/>',
        top_k=3,
    )
    assert pasted.answer == plain.answer and plain.answer is not None
    assert [p.chunk_id for p in pasted.passages] == [p.chunk_id for p in plain.passages]
    assert pasted.confidence == pytest.approx(plain.confidence)


@pytest.mark.slow
def test_a_yes_no_question_gets_a_verdict_resting_on_quoted_sentences(engine: QAEngine) -> None:
    said = engine.ask("Did Brightwater raise 30 million dollars in a round led by Harbor Ventures?")
    assert said.verdict in ("yes", "no")
    assert said.answer == said.verdict.capitalize() and not said.abstained
    assert said.citations and all(c.article_id == "brightwater-funding" for c in said.citations)
    assert any("Harbor Ventures" in c.quote for c in said.citations)
    # The same through retrieve + read (the path auto and generative modes take).
    question = "Did Zorblat Quimby sue Flumox over Parley?"  # names no article mentions
    retrieved = engine.retrieve(question, 5, as_of=date(2026, 6, 1))
    assert retrieved.as_of == date(2026, 6, 1) and len(retrieved.hits) <= 5
    unknown = engine.read(question, retrieved)
    assert (unknown.verdict, unknown.answer, unknown.citations) == ("unknown", None, [])
    engine.close()


@pytest.mark.slow
def test_a_lease_keeps_the_old_generation_open_across_a_swap(
    engine: QAEngine, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    old_version = engine.index_version
    assert engine.maybe_reload() is False  # nothing new published
    with engine.lease() as leased:
        new_version = publish_later_article(engine.settings.index_dir, tmp_path, embedder)
        assert new_version != old_version
        assert engine.maybe_reload() is True
        assert engine.index_version == new_version
        # The request that started before the swap still reads its own generation.
        assert leased.version == old_version
        assert keyword_hits(leased.index, "Brightwater", 3)
    # Its last lease ended: the old generation is closed now.
    with pytest.raises(RuntimeError, match="closed"):
        keyword_hits(leased.index, "Brightwater", 3)
    assert engine.search("drone factory Lisbon", top_k=1).results[0].article_id == (
        "zephyr-factory"
    )
    engine.close()


@pytest.mark.slow
def test_a_corrupt_new_generation_is_skipped_and_the_old_one_keeps_serving(
    engine: QAEngine,
    embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_version = engine.index_version
    index_dir = engine.settings.index_dir
    new_version = publish_later_article(index_dir, tmp_path, embedder)
    generation = current_generation_dir(index_dir)
    assert generation.name == new_version
    for path in generation.iterdir():
        if path.suffix in (".faiss", ".sqlite", ".npy"):
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert engine.maybe_reload() is False
    assert engine.index_version == old_version
    assert engine.search("Brightwater", top_k=1).index_version == old_version
    assert caplog.text.count("cannot open index generation") == 1
    assert engine.maybe_reload() is False  # not tried again on every poll
    assert caplog.text.count("cannot open index generation") == 1
    monkeypatch.setattr(service.engine, "RETRY_FAILED_AFTER_S", 0.0)
    assert engine.maybe_reload() is False  # but again after a while
    assert caplog.text.count("cannot open index generation") == 2
    engine.close()


@pytest.mark.slow
def test_the_reader_gets_the_stored_sentence_analysis_that_search_leaves_out(
    small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    seen: list[RetrievalHit] = []

    class Recording:
        def read(self, question: str, hits: Sequence[RetrievalHit], **_: object) -> Answer:
            seen.extend(hits)
            return Answer(text=None, abstained=True, confidence=0.0)

    index_dir = index_copy(small_index, tmp_path / "index")
    qa = QAEngine(
        Settings(index_dir=index_dir), embedder=embedder, reader_factory=lambda _: Recording()
    )
    qa.warm_up()
    with qa.lease() as generation:  # what the search legs hand on, below the API's results
        found = generation.retriever.search("Where is Orbital Labs based?", top_k=3)
    assert found and all(hit.chunk.analysis is None for hit in found)
    seen.clear()
    result = qa.ask("Where is Orbital Labs based?", top_k=3)
    assert [hit.chunk.id for hit in seen] == [passage.chunk_id for passage in result.passages]
    assert all(hit.chunk.analysis is not None for hit in seen)
    assert [h.score for h in seen] == [passage.score for passage in result.passages]
    qa.close()


_LEAN_ENGINE = """
import sys
from pathlib import Path
from service.config import Settings
from service.engine import QAEngine
engine = QAEngine(Settings(index_dir=Path(sys.argv[1]), cache_dir=Path(sys.argv[2])))
engine.warm_up()
result = engine.ask("Where is Orbital Labs based?")
assert result.answer, result
loaded = [name for name in ("torch", "spacy", "sentence_transformers") if name in sys.modules]
assert not loaded, loaded
print("ok")
"""


@pytest.mark.slow
def test_serving_an_analysed_index_loads_neither_torch_nor_spacy(
    small_index: Path, embedder: SentenceTransformerEmbedder, model_cache_dir: Path
) -> None:
    # The session embedder has exported and checked the query encoder into model_cache_dir.
    done = subprocess.run(
        [sys.executable, "-c", _LEAN_ENGINE, str(small_index), str(model_cache_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
    # Questions went through the 8-bit copy the default settings ask for, made on first use.
    assert list(model_cache_dir.glob("encoder-*.int8.onnx"))
