"""Fixtures of the indexer's tests."""

from __future__ import annotations

import pytest

import indexer.pipeline.write


@pytest.fixture(autouse=True)
def writes_tag_with_the_session_analyzer(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index write that tags sentences uses the session's `analyzer` (tests/conftest.py),
    asked for at the first such write, instead of loading its own (~1 s a write)."""
    monkeypatch.setattr(
        indexer.pipeline.write, "load_analyzer", lambda: request.getfixturevalue("analyzer")
    )
