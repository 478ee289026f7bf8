"""Fixtures shared by every test: a clean environment, the shared data, the real model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder, load_embedder
from indexer.protocols import FloatMatrix, IndexReader
from indexer.text.analysis import SentenceAnalyzer, load_analyzer
from indexer.types import ScoredChunk, ScoredRef, SearchFilters

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("NEWSQA_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of derived models (the ONNX export) for the whole run."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache_dir: Path
) -> Iterator[None]:
    """No NEWSQA_* leaks in from the developer's shell; the index lives under tmp_path."""
    for name in list(os.environ):
        if name.startswith("NEWSQA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSQA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSQA_CACHE_DIR", str(model_cache_dir))
    # Never reach for a model hub: everything loads from local files.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    from service.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data, or a visible skip where this machine does not have it."""
    data = SHARED_DIR / "data"
    if not (data / "corpus").is_dir():
        pytest.skip(f"shared data not found at {data} (set NEWSQA_SHARED_DIR)")
    return data


# Invented articles for `small_index`: six stories (one with an exact copy from another outlet),
# mixed sources and dates, one undated, each long enough for a few 64-token chunks.
_SMALL_ARTICLES: list[dict[str, object]] = [
    {
        "id": "orbital-kestrel",
        "title": "Orbital Labs unveils Kestrel, a model for warehouse robots",
        "source": "Example Wire",
        "url": "https://news.example.test/orbital-kestrel",
        "published_at": "2026-01-05",
        "text": "Orbital Labs introduced Kestrel, a language model that plans picking routes for "
        "warehouse robots. The company said Kestrel runs on a single accelerator card.\n\n"
        "Kestrel was trained on eleven million simulated picking tasks. Chief executive Mara "
        "Ilves said the model cut travel time in pilot warehouses by nineteen percent.\n\n"
        "Pricing starts at forty dollars per robot per month. Orbital Labs is based in Tallinn "
        "and employs ninety people.",
    },
    {
        "id": "brightwater-funding",
        "title": "Brightwater raises $30 million for speech chips",
        "source": "Daily Chip",
        "url": "https://news.example.test/brightwater",
        "published_at": "2026-02-10",
        "text": "Brightwater, a startup that designs low-power chips for speech recognition, "
        "raised 30 million dollars in a round led by Harbor Ventures. Existing investor Quillon "
        "Capital also took part.\n\nThe company plans to ship engineering samples in September "
        "to makers of hearing aids and car dashboards. Its first chip transcribes speech "
        "without a network connection.\n\nBrightwater was founded in 2023 by two former radio "
        "engineers, Tomas Reyes and Lena Osei.",
    },
    {
        "id": "brightwater-funding-copy",
        "title": "Brightwater raises $30 million for speech chips",
        "source": "Syndicate Post",
        "url": "https://syndicate.example.test/brightwater",
        "published_at": "2026-02-11",
        "text": "Brightwater, a startup that designs low-power chips for speech recognition, "
        "raised 30 million dollars in a round led by Harbor Ventures. Existing investor Quillon "
        "Capital also took part.\n\nThe company plans to ship engineering samples in September "
        "to makers of hearing aids and car dashboards. Its first chip transcribes speech "
        "without a network connection.\n\nBrightwater was founded in 2023 by two former radio "
        "engineers, Tomas Reyes and Lena Osei.",
    },
    {
        "id": "norland-hiring-review",
        "title": "Norland regulator reviews automated hiring tools",
        "source": "Example Wire",
        "url": "https://news.example.test/norland-hiring",
        "published_at": "2026-03-02",
        "text": "The Norland Labour Authority opened a review of automated hiring tools used by "
        "employers with more than 250 staff. The authority will examine how the tools rank "
        "applicants.\n\nDirector Pieter Vanhal said companies must explain every rejection "
        "made with the help of software. Fines can reach four percent of annual turnover.\n\n"
        "The review will publish its findings in November.",
    },
    {
        "id": "meridian-translation",
        "title": "Meridian releases open translation model for 40 languages",
        "source": "The Open Ledger",
        "url": "https://ledger.example.test/meridian",
        "published_at": "2025-11-20",
        "text": "Meridian AI released Parley, an open-weights translation model covering forty "
        "languages, including Welsh and Yoruba. The weights are free for research and "
        "commercial use.\n\nParley has 3 billion parameters and was trained on public "
        "government documents. Meridian said it matches larger systems on news "
        "translation.\n\nThe release follows a 12 million dollar grant from the Aldous "
        "Foundation.",
    },
    {
        "id": "glacier-datacenter",
        "title": "Glacier Compute opens a lake-cooled data center",
        "source": "Daily Chip",
        "url": None,
        "published_at": None,
        "text": "Glacier Compute opened a data center cooled by water from a mountain lake. The "
        "site holds four thousand accelerators rented out for model training.\n\nThe company "
        "said the lake water lowers cooling energy by a third compared with air. Local "
        "fishers asked for monitoring of the lake temperature.\n\nGlacier Compute plans a "
        "second site near the coast.",
    },
    {
        "id": "sable-benchmark",
        "title": None,
        "source": "The Open Ledger",
        "url": "https://ledger.example.test/sable",
        "published_at": "2026-04-14",
        "text": "Researchers at Sable University published a benchmark of 1,200 questions about "
        "chemistry safety. The best model answered 71 percent correctly.\n\nThe authors found "
        "that models often refused harmless questions about household cleaners. They called "
        "for clearer guidance on refusals.\n\nThe benchmark is named Beaker and is free to "
        "download.",
    },
]


@pytest.fixture(scope="session")
def embedder(model_cache_dir: Path) -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 as the service loads it (short calls on ONNX Runtime),
    loaded once per session; never downloads."""
    # clean_environ is function-scoped, so offline mode is set here as well.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return load_embedder("all-MiniLM-L6-v2", batch_size=16, cache_dir=model_cache_dir)


@pytest.fixture(scope="session")
def analyzer() -> SentenceAnalyzer:
    """The sentence tagger (spaCy's small English pipeline) loaded once per session; a visible
    skip where no packaged model is installed."""
    found = load_analyzer()
    if found is None:
        pytest.skip("no packaged spaCy English model installed")
    return found


def keyword_hits(
    index: IndexReader, query: str, k: int, filters: SearchFilters | None = None
) -> list[ScoredChunk]:
    """The keyword leg's ranking (`keyword_refs`) with its chunks read (`chunks_at`)."""
    return _read(index, index.keyword_refs(query, k, filters))


def dense_hits(
    index: IndexReader, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
) -> list[ScoredChunk]:
    """The dense leg's ranking (`dense_refs`) with its chunks read (`chunks_at`)."""
    return _read(index, index.dense_refs(query_vector, k, filters))


def _read(index: IndexReader, hits: list[ScoredRef]) -> list[ScoredChunk]:
    chunks = index.chunks_at([hit.ref for hit in hits])
    return [ScoredChunk(chunk, hit.score) for chunk, hit in zip(chunks, hits, strict=True)]


@pytest.fixture(scope="session")
def small_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[Path]:
    """A real index (real model, 40-token chunks) of seven invented articles; yields its dir.

    Six stories are indexed; "brightwater-funding-copy" is an exact duplicate of
    "brightwater-funding". The source JSONL sits next to it as `articles.jsonl`. Read-only:
    tests that change an index build their own.
    """
    yield index_of(_SMALL_ARTICLES, tmp_path_factory.mktemp("small_index"), embedder)


def index_of(
    articles: list[dict[str, object]],
    root: Path,
    embedder: SentenceTransformerEmbedder,
    *,
    chunk_tokens: int = 40,
) -> Path:
    """A real index of `articles` (written to root/articles.jsonl) in root/index."""
    import json

    from indexer.config import IndexConfig
    from indexer.pipeline.run import build_index

    source = root / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    config = IndexConfig(chunk_target_tokens=chunk_tokens, chunk_overlap_tokens=8)
    build_index([source], root / "index", config, embedder=embedder, progress=False)
    return root / "index"
