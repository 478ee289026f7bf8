"""The self-description of one generation: model, settings, counts, checksums, versions."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from indexer.errors import IndexCorruptError
from indexer.hashing import sha256_file

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Counts:
    articles: int  # every article row, duplicates included
    indexed_articles: int  # canonical articles, the ones that have chunks
    duplicates_exact: int
    duplicates_near: int
    chunks: int
    vectors: int


@dataclass(frozen=True)
class Manifest:
    generation: int
    embedding_model: str
    dimension: int
    chunking: dict[str, int]
    faiss_type: str  # what was built; may be "flat" where "ivf" had too few vectors to train
    counts: Counts
    checksums: dict[str, str]  # file name -> sha256
    input_fingerprint: str | None
    # What tagged the chunks' sentences (indexer.text.analysis), None where they were not tagged.
    sentence_analysis: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    versions: dict[str, str] = field(default_factory=lambda: library_versions())
    format_version: int = FORMAT_VERSION

    @property
    def version(self) -> str:
        return generation_name(self.generation)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        data["counts"] = Counts(**data["counts"])
        return cls(**data)


def generation_name(generation: int) -> str:
    return f"gen-{generation:06d}"


def read_manifest(gen_dir: Path) -> Manifest:
    """The manifest of a generation directory; IndexCorruptError names the file when unreadable."""
    path = gen_dir / MANIFEST_NAME
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"{path} is missing") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"{path} is not a valid manifest: {exc}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorruptError(
            f"{path} has format version {manifest.format_version}; this newsqa reads "
            f"{FORMAT_VERSION}. Rebuild the index with `newsqa index build`."
        )
    return manifest


def verify_checksums(gen_dir: Path, manifest: Manifest) -> None:
    """Raise IndexCorruptError naming the first file that is missing or fails its sha256."""
    for name, expected in sorted(manifest.checksums.items()):
        path = gen_dir / name
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing")
        if sha256_file(path) != expected:
            raise IndexCorruptError(f"{path} failed its sha256 checksum (truncated or corrupted)")


def library_versions() -> dict[str, str]:
    """Versions of what shapes the vectors and the files, for reproducing an index."""
    versions = {"sqlite": sqlite3.sqlite_version}
    for package in ("faiss-cpu", "sentence-transformers", "torch", "numpy", "newsqa"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


class ManifestFacts:
    """The IndexReader properties a generation's manifest answers, for every store's reader."""

    manifest: Manifest

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def embedding_model(self) -> str:
        return self.manifest.embedding_model

    @property
    def dimension(self) -> int:
        return self.manifest.dimension

    @property
    def chunk_count(self) -> int:
        return self.manifest.counts.chunks

    @property
    def article_count(self) -> int:
        return self.manifest.counts.indexed_articles
