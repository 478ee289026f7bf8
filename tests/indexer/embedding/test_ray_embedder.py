"""`newsqa index build --ray`: the pipeline embedding on a local Ray instance (2 CPUs, one
actor: each actor loads the model, and one keeps the test short) builds the index the
single-process path builds, vector for vector."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.ray_embedder import RayEmbedder
from indexer.embedding.transformer import SentenceTransformerEmbedder
from indexer.pipeline.run import build_index
from indexer.store.generations import current_generation_dir
from indexer.store.reader import open_index
from tests.indexer.store.milvus.conftest import SMALL_CONFIG

pytestmark = pytest.mark.slow  # a Ray instance whose actors each load the model

# Small: the machine is shared; Ray's own processes need ~0.5 GB besides the object store.
RAY_OPTIONS = {"num_cpus": 2, "object_store_memory": 100 * 2**20, "log_to_driver": False}


def test_a_ray_build_holds_the_single_process_builds_vectors(
    small_index: Path, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    source = small_index.parent / "articles.jsonl"
    with RayEmbedder(embedder, "auto", batch_size=16, actors=1, init_options=RAY_OPTIONS) as fanned:
        # No sentence tagging: the vectors are what is compared, and spaCy would add seconds.
        config = replace(SMALL_CONFIG, sentence_analysis=False)
        summary = build_index([source], tmp_path / "index", config, embedder=fanned, progress=False)
        import ray

        assert ray.is_initialized() and ray.cluster_resources()["CPU"] == 2
    assert not ray.is_initialized()  # the local instance stopped with the embedder
    assert summary.chunks_embedded > 10
    ours = np.load(current_generation_dir(tmp_path / "index") / "vectors.npy")
    theirs = np.load(current_generation_dir(small_index) / "vectors.npy")
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-5)  # batches differ: float noise only
    with open_index(tmp_path / "index") as built, open_index(small_index) as reference:
        ids = [f"{r.article.id}#0" for r in reference.article_records() if r.canonical_id is None]
        assert built.get_chunks(ids) == reference.get_chunks(ids)
