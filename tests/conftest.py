"""Fixtures shared by every test: a clean environment, the shared data, the real model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("NEWSQA_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No NEWSQA_* leaks in from the developer's shell; the index lives under tmp_path."""
    for name in list(os.environ):
        if name.startswith("NEWSQA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSQA_INDEX_DIR", str(tmp_path / "index"))
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
