"""The live generation at a glance, and the fingerprint of a build's inputs (`--if-stale`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.config import IndexConfig
from indexer.hashing import sha256_file
from indexer.pipeline.location import IndexLocation, as_location
from indexer.text.analysis import ANALYSIS_FORMAT


@dataclass(frozen=True)
class IndexStatus:
    """The live generation at a glance."""

    index_dir: str  # the index directory, or the Milvus URI and alias
    generation: str
    embedding_model: str
    dimension: int
    faiss_type: str
    chunking: dict[str, int]
    articles: int  # indexed (canonical) articles
    duplicates_exact: int
    duplicates_near: int
    chunks: int
    vectors: int
    created_at: str
    disk_bytes: int | None  # None where the store's disk is not on this machine (a server)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def index_status(index_dir: Path | str | IndexLocation[Any]) -> IndexStatus:
    """Figures of the live generation (verifies checksums; NoIndexError where none)."""
    location = as_location(index_dir)
    live = location.open_live()
    try:
        m = live.manifest
        return IndexStatus(
            index_dir=location.describe(),
            generation=m.version,
            embedding_model=m.embedding_model,
            dimension=m.dimension,
            faiss_type=m.faiss_type,
            chunking=dict(m.chunking),
            articles=m.counts.indexed_articles,
            duplicates_exact=m.counts.duplicates_exact,
            duplicates_near=m.counts.duplicates_near,
            chunks=m.counts.chunks,
            vectors=m.counts.vectors,
            created_at=m.created_at,
            disk_bytes=location.disk_bytes(),
        )
    finally:
        live.close()


def input_fingerprint(
    paths: Sequence[str | Path], config: IndexConfig, model_name: str
) -> str | None:
    """sha256 of the input files and the settings that shape the index; None for feed URLs."""
    digest = hashlib.sha256()
    settings = {
        "model": model_name,
        "chunking": config.chunking(),
        "faiss": config.faiss_index_type,
        "near_duplicate_threshold": config.near_duplicate_threshold,
        "sentence_analysis": ANALYSIS_FORMAT if config.sentence_analysis else None,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for given in paths:
        if isinstance(given, str) and given.lower().startswith(("http://", "https://")):
            return None  # a feed can change without any local trace
        path = Path(given)
        if not path.exists():
            return None  # reading will raise IngestError naming it
        files = [path]
        if path.is_dir():  # hidden files are not inputs (indexer.sources.read skips them too)
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(s.startswith(".") for s in p.relative_to(path).parts)
            )
        for file in files:
            digest.update(str(file.relative_to(path) if path.is_dir() else file).encode())
            digest.update(sha256_file(file).encode())
    return digest.hexdigest()
