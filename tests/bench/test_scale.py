"""`newsqa bench scale` at a toy size: every index measured in its own processes, JSON out."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from bench.scale import RECALL_GOAL, run_scale_benchmark
from bench.scale_cli import table
from bench.scale_data import COPY_COSINE, exact_neighbours, grow, recall_at_k
from indexer.embedding.transformer import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow  # a real index's vectors; child processes import faiss


def test_grown_copies_stay_near_their_source_and_exact_search_finds_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    base = rng.standard_normal((50, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    data = grow(base, 1000, seed=3, path=tmp_path / "data.npy")
    assert np.allclose(np.asarray(data[:50]), base)  # the real vectors come first, unchanged
    assert np.allclose(np.linalg.norm(data, axis=1), 1.0, atol=1e-5)
    best = (np.asarray(data[50:]) @ base.T).max(axis=1)  # each copy against the real vectors
    assert abs(float(np.median(best)) - COPY_COSINE) < 0.05
    truth = exact_neighbours(data, base[:5], k=10)
    assert (truth[:, 0] == np.arange(5)).all()  # a real vector's nearest is itself
    assert recall_at_k(truth, truth) == 1.0 and recall_at_k(truth[:, ::-1][:, :5], truth) == 0.5


def test_a_toy_run_measures_every_kind_of_index(
    small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    questions = tmp_path / "questions.jsonl"
    texts = ["Who makes speech chips?", "What cools the data center?", "Where is Orbital?"] * 4
    questions.write_text("".join(json.dumps({"question": q}) + "\n" for q in texts))
    work = tmp_path / "work"
    work.mkdir()
    np.save(work / "queries.npy", embedder.embed_documents(texts))  # no second model load
    result = run_scale_benchmark(
        small_index, questions, work, sizes=[3000],
        indexes=["flat", "store_exact", "hnsw32_sq8", "milvus_lite_hnsw"], queries=len(texts),
    )  # fmt: skip
    rows = {row["index"]: row for row in result["results"]}
    assert set(rows) == {"flat", "store_exact", "hnsw32_sq8", "milvus_lite_hnsw"}
    for name, row in rows.items():
        assert row["skipped"] is None, (name, row["skipped"])
        assert row["build_s"] > 0 and row["search_rss_mib"] > 10
        for point in row["sweep"]:
            assert 0 <= point["recall_at_10"] <= 1 and 0 < point["p50_ms"] <= point["p95_ms"]
            assert point["cpu_ms"] > 0
    for exact in ("flat", "store_exact"):  # exact is exact, the store's float16 pass included
        assert [p["recall_at_10"] for p in rows[exact]["sweep"]] == [1.0]
    # Each build reports its own peak, not this process's (the model loaded here): Linux
    # carries ru_maxrss into children, so a child reading it would report at least ours.
    ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert all(row["build_peak_rss_mib"] < ours / 2 for row in rows.values()), ours
    assert rows["flat"]["chosen"]["recall_at_10"] >= RECALL_GOAL
    assert result["data"]["dimension"] == 384 and "real chunk vectors" in result["data"]["source"]
    rendered = Console(width=160, record=True)
    rendered.print(table(result))
    assert "hnsw32_sq8" in rendered.export_text()
