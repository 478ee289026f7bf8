"""Seconds spent per stage of an index update, so the overhead around embedding is visible."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Stopwatch:
    """Accumulates wall seconds per named stage; `with clock("writing"): ...`."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.stages[stage] = self.stages.get(stage, 0.0) + elapsed
