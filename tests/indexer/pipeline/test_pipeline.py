"""build / add / delete / status: round trips, incremental work, locking, generations."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.config import IndexConfig
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.errors import (
    IndexLockedError,
    IndexMismatchError,
    IngestError,
    NoIndexError,
    StrictIngestError,
)
from indexer.pipeline.run import add_to_index, build_index, delete_from_index
from indexer.pipeline.status import index_status
from indexer.protocols import FloatMatrix
from indexer.store.generations import current_version
from indexer.store.reader import Store, open_index
from tests.conftest import dense_hits, keyword_hits
from tests.indexer.pipeline.test_crash_safety import REPO_ROOT, HashEmbedder

CONFIG = IndexConfig(chunk_target_tokens=40, chunk_overlap_tokens=8)


def _article(article_id: str, text: str, **fields: object) -> dict[str, object]:
    return {"id": article_id, "title": fields.pop("title", f"About {article_id}"), "text": text,
            "source": fields.pop("source", "Test Wire"), **fields}  # fmt: skip


ARTICLES = [
    _article(
        "kestrel",
        "Orbital Labs introduced Kestrel, a model that plans routes for warehouse robots. "
        "It runs on one accelerator card.\n\nKestrel was trained on simulated picking tasks. "
        "Pilot warehouses saw travel time fall by nineteen percent.",
        published_at="2026-01-05",
    ),
    _article(
        "parley",
        "Meridian AI released Parley, an open translation model for forty languages. The "
        "weights are free for research.\n\nParley has three billion parameters and was "
        "trained on public government documents.",
        published_at="2025-11-20",
    ),
    _article(
        "beaker",
        "Sable University published Beaker, a benchmark of chemistry safety questions. The "
        "best model answered seventy one percent correctly.",
    ),
    _article(
        "beaker-copy",
        "Sable University published Beaker, a benchmark of chemistry safety questions. The "
        "best model answered seventy one percent correctly.",
        source="Syndicate",
    ),
]


def write_jsonl(path: Path, rows: Sequence[dict[str, object]], extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")
    return path


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that remembers every text it embedded."""

    def __init__(self, model_name: str = "hash-test") -> None:
        super().__init__(model_name=model_name)
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        self.texts.extend(texts)
        return super().embed_documents(texts)


@pytest.mark.slow
def test_build_add_delete_status_round_trip(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    real_embedder = embedder  # the session's real model (tests/indexer/conftest.py)
    index = tmp_path / "index"
    source = write_jsonl(tmp_path / "in" / "a.jsonl", ARTICLES)
    built = build_index([source], index, CONFIG, embedder=real_embedder, progress=False)
    assert (built.articles_read, built.articles_added, built.duplicates_exact) == (4, 4, 1)
    assert built.published and built.generation == "gen-000001" == current_version(index)
    with open_index(index, expected_model="all-MiniLM-L6-v2") as store:
        first_chunks = store.chunk_count
        assert store.article_count == 3
        assert built.chunks_embedded == first_chunks and built.chunks_reused == 0
        kestrel = [c.id for c in store.get_chunks([f"kestrel#{i}" for i in range(9)])]

    # One changed, one new, one unchanged: only the changed and new text meets the model.
    changed = dict(ARTICLES[1], text=str(ARTICLES[1]["text"]) + " Parley ships in March.")
    new = _article("glacier", "Glacier Compute opened a lake-cooled data center in the hills.")
    update = write_jsonl(tmp_path / "in" / "b.jsonl", [ARTICLES[0], changed, new])
    added = add_to_index([update], index, CONFIG, embedder=real_embedder, progress=False)
    assert (added.articles_added, added.articles_updated, added.articles_unchanged) == (1, 1, 1)
    assert added.generation == "gen-000002"
    with open_index(index) as store:
        touched = [c for a in ("parley", "glacier") for c in _chunks_of(store, a)]
        assert 0 < added.chunks_embedded <= len(touched)
        assert added.chunks_embedded + added.chunks_reused == store.chunk_count
        assert keyword_hits(store, "ships March", 1)[0].chunk.article_id == "parley"
        query = real_embedder.embed_query("lake-cooled data center")
        assert dense_hits(store, query, 1)[0].chunk.article_id == "glacier"
        second_chunks = store.chunk_count
    again = add_to_index([update], index, CONFIG, embedder=real_embedder, progress=False)
    assert not again.published and again.chunks_embedded == 0 and again.articles_unchanged == 3

    deleted = delete_from_index(["kestrel"], index, embedder=real_embedder)
    assert deleted.articles_deleted == 1 and deleted.chunks_embedded == 0
    with open_index(index) as store:
        assert store.chunk_count == second_chunks - len(kestrel) > 0
        assert store.get_chunks(kestrel) == [] and store.get_article("kestrel") is None
        assert keyword_hits(store, "warehouse robots Kestrel", 5) == []
        vector = real_embedder.embed_query("Kestrel plans routes for warehouse robots")
        assert all(h.chunk.article_id != "kestrel" for h in dense_hits(store, vector, 10))
    status = index_status(index)
    assert (status.generation, status.articles, status.duplicates_exact) == ("gen-000003", 3, 1)
    assert status.chunks == status.vectors and status.disk_bytes > 0
    assert status.embedding_model == "all-MiniLM-L6-v2" and status.dimension == 384


def _chunks_of(store: Store, article_id: str) -> list[str]:
    rows = store._query("SELECT id FROM chunks WHERE article_id = ?", (article_id,))
    return [r[0] for r in rows]


def test_rebuild_after_a_small_edit_embeds_only_the_edit(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], tmp_path / "index", CONFIG, embedder=embedder, progress=False)
    embedder.texts.clear()
    edited = dict(ARTICLES[0], text=str(ARTICLES[0]["text"]) + "\n\nA second site opens in May.")
    write_jsonl(source, [edited, *ARTICLES[1:]])
    summary = build_index([source], tmp_path / "index", CONFIG, embedder=embedder, progress=False)
    assert summary.articles_updated == 1 and summary.articles_unchanged == 3
    # Kestrel's first paragraph kept its chunks' text, so only the tail was embedded again.
    assert embedder.texts and all("May" in t for t in embedder.texts)
    assert summary.chunks_embedded == len(embedder.texts)
    assert summary.chunks_reused > 0


def test_a_rebuild_drops_articles_no_longer_in_the_inputs(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False)
    write_jsonl(source, ARTICLES[:2])
    summary = build_index(
        [source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False
    )
    assert summary.articles_deleted == 2 and summary.chunks_embedded == 0
    with open_index(tmp_path / "index") as store:
        assert store.get_article("beaker") is None and store.article_count == 2


def test_deleting_a_canonical_article_promotes_its_duplicate(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False)
    delete_from_index(["beaker"], tmp_path / "index", embedder=HashEmbedder())
    with open_index(tmp_path / "index") as store:
        assert store.canonical_id("beaker-copy") == "beaker-copy"
        assert store.canonical_id("beaker") is None
        hits = keyword_hits(store, "chemistry safety benchmark", 3)
        assert hits[0].chunk.article_id == "beaker-copy"
        assert hits[0].chunk.source == "Syndicate"
        assert store.manifest.counts.duplicates_exact == 0
    # The promoted article is a canonical one for later adds: its copy is found again.
    again = write_jsonl(tmp_path / "b.jsonl", [ARTICLES[2]])
    summary = add_to_index(
        [again], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False
    )
    assert summary.duplicates_exact == 1
    with open_index(tmp_path / "index") as store:
        assert store.canonical_id("beaker") == "beaker-copy"


def test_deleting_unknown_ids_reports_them_and_publishes_nothing(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False)
    summary = delete_from_index(["nope"], tmp_path / "index")
    assert not summary.published and summary.generation == "gen-000001"
    assert [str(p) for p in summary.problems] == ["nope: no article with this id in the index"]
    with pytest.raises(NoIndexError):
        delete_from_index(["kestrel"], tmp_path / "empty")


def test_problems_are_reported_or_with_strict_fatal(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES[:2], extra="{not json\n")
    with pytest.raises(StrictIngestError, match=r"a\.jsonl:3"):
        build_index(
            [source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), strict=True,
            progress=False,
        )  # fmt: skip
    assert current_version(tmp_path / "index") is None
    summary = build_index(
        [source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False
    )
    assert summary.published and summary.articles_read == 2
    assert [(p.path, p.line) for p in summary.problems] == [(str(source), 3)]
    with pytest.raises(IngestError, match="does-not-exist"):
        add_to_index(
            [tmp_path / "does-not-exist"], tmp_path / "index", CONFIG, embedder=HashEmbedder()
        )


def test_if_stale_does_nothing_for_unchanged_inputs(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    source = write_jsonl(tmp_path / "in" / "a.jsonl", ARTICLES)
    index = tmp_path / "index"
    first = build_index([source.parent], index, CONFIG, embedder=embedder, if_stale=True)
    assert first.published
    embedder.texts.clear()
    second = build_index([source.parent], index, CONFIG, embedder=embedder, if_stale=True)
    assert not second.published and second.generation == "gen-000001" and not embedder.texts
    other = IndexConfig(chunk_target_tokens=60, chunk_overlap_tokens=8)
    assert build_index([source.parent], index, other, embedder=embedder, if_stale=True).published
    write_jsonl(tmp_path / "in" / "b.jsonl", ARTICLES[:1])
    third = build_index([source.parent], index, other, embedder=embedder, if_stale=True)
    assert third.published and third.generation == "gen-000003"


def test_adding_with_another_model_is_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], tmp_path / "index", CONFIG, embedder=HashEmbedder(), progress=False)
    # Refused before any model is loaded: the index says hash-test, the config the default.
    with pytest.raises(IndexMismatchError, match=r"hash-test.*all-MiniLM-L6-v2"):
        add_to_index([source], tmp_path / "index", CONFIG, progress=False)
    other_chunking = IndexConfig(chunk_target_tokens=100)
    with pytest.raises(IndexMismatchError, match="chunked"):
        add_to_index(
            [source], tmp_path / "index", other_chunking, embedder=HashEmbedder(), progress=False
        )


def test_a_second_writer_fails_at_once_naming_the_pid(tmp_path: Path) -> None:
    index = tmp_path / "index"
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time\nfrom indexer.store.generations import writer_lock\n"
            "with writer_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(60)",
            str(index),
        ],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
        with pytest.raises(IndexLockedError, match=f"locked by pid {holder.pid}"):
            build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)
    finally:
        holder.kill()
        holder.communicate()
    # The lock dies with its holder (even a kill -9): the next writer goes ahead.
    assert build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False).published


def test_old_generations_and_leftovers_are_collected(tmp_path: Path) -> None:
    index = tmp_path / "index"
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)
    for article in ("kestrel", "parley", "beaker"):
        delete_from_index([article], index, embedder=HashEmbedder())
    generations = sorted(p.name for p in index.glob("gen-*"))
    assert generations == ["gen-000002", "gen-000003", "gen-000004"]
    (index / ".tmp-12345-dead").mkdir()
    (index / ".tmp-12345-dead" / "store.sqlite").write_bytes(b"half")
    (index / "gen-000009").mkdir()  # renamed into place, but the writer died before CURRENT
    summary = build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)
    assert summary.generation == "gen-000005"
    names = sorted(p.name for p in index.iterdir())
    assert names == ["CURRENT", "LOCK", "gen-000003", "gen-000004", "gen-000005"]


def test_an_open_generation_outlives_its_garbage_collection(tmp_path: Path) -> None:
    index = tmp_path / "index"
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)
    with open_index(index) as store:
        for article in ("kestrel", "parley", "beaker"):  # three publishes: gen-000001 goes
            delete_from_index([article], index, embedder=HashEmbedder())
        assert not (index / "gen-000001").exists()
        with ThreadPoolExecutor(max_workers=4) as pool:  # new threads, files already deleted
            found = list(pool.map(lambda q: keyword_hits(store, q, 1), ["Kestrel", "Parley"]))
        assert [hits[0].chunk.article_id for hits in found] == ["kestrel", "parley"]


@pytest.mark.parametrize(
    ("writer", "full"),
    [
        ("indexer.store.writer.StoreWriter.finish", True),
        ("indexer.store.delta.DeltaWriter.finish", False),
    ],
)
def test_a_failed_write_leaves_the_live_generation_and_no_temp_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str, full: bool
) -> None:
    index = tmp_path / "index"
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)

    def disk_full(self: object, faiss_type: str) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, disk_full)
    with pytest.raises(OSError, match="No space left"):
        if full:  # a build writes every row afresh
            build_index([source], index, CONFIG, embedder=HashEmbedder(), progress=False)
        else:  # a delete copies the live generation and applies the change
            delete_from_index(["kestrel"], index, embedder=HashEmbedder())
    assert sorted(p.name for p in index.iterdir()) == ["CURRENT", "LOCK", "gen-000001"]
    with open_index(index) as store:
        assert store.get_article("kestrel") is not None
