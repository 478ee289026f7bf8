"""The calibration's search cache belongs to one retriever: its code and its settings."""

from __future__ import annotations

from pathlib import Path

from eval.hit_cache import retrieval_fingerprint
from service.config import Settings


def test_the_fingerprint_follows_the_search_settings(tmp_path: Path) -> None:
    base = retrieval_fingerprint(Settings(index_dir=tmp_path))
    assert base == retrieval_fingerprint(Settings(index_dir=tmp_path))
    assert len(base) == 12
    assert base != retrieval_fingerprint(Settings(index_dir=tmp_path, keyword_weight=0.3))
