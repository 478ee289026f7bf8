"""Every kind of damage the corrupt suite publishes is refused when a generation is opened,
a damaged file before its vectors are read, and a refusal leaves no file open
(bench/corrupt.py's damage, in process)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from bench.corrupt import KINDS, _open_in_process
from indexer.config import IndexConfig
from indexer.pipeline.run import build_index
from indexer.store.generations import current_generation_dir
from tests.indexer.pipeline.test_crash_safety import HashEmbedder, write_corpus


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A flat and an HNSW generation of the same invented articles (cheap hash embeddings)."""
    root = tmp_path_factory.mktemp("sources")
    paths = write_corpus(root / "corpus", articles=8)
    built = {}
    for kind in ("flat", "hnsw"):
        config = IndexConfig(
            chunk_target_tokens=48,
            chunk_overlap_tokens=8,
            sentence_analysis=False,
            faiss_index_type=kind,  # type: ignore[arg-type]
        )
        build_index(paths, root / kind, config, embedder=HashEmbedder(), progress=False)
        built[kind] = current_generation_dir(root / kind)
    return built


@pytest.mark.parametrize(("kind", "source", "damage"), KINDS, ids=[kind for kind, _, _ in KINDS])
def test_each_damage_is_refused(
    sources: dict[str, Path], tmp_path: Path, kind: str, source: str, damage: object
) -> None:
    index = tmp_path / "index"
    shutil.copytree(sources[source].parent, index)
    assert _open_in_process(index, "hash-test", 32)["refused"] is False  # intact, it opens
    damage(current_generation_dir(index), random.Random(kind))  # type: ignore[operator]
    open_before = len(os.listdir("/proc/self/fd"))
    seen = _open_in_process(index, "hash-test", 32)
    assert seen["refused"], kind
    # A server retries a refused generation every minute: nothing may stay open.
    assert len(os.listdir("/proc/self/fd")) == open_before, kind
    if not kind.startswith("manifest: counts lie"):
        # Only a manifest whose checksums hold but whose counts lie needs the vectors to
        # tell; everything else is refused before they are read.
        assert not seen["vectors_read"], kind
