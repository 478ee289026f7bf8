"""A rich progress bar on stderr for long indexing stages, or nothing when progress is off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ProgressBar:
    """A rich progress bar on stderr, or nothing when progress is off."""

    def __init__(self, enabled: bool, label: str, total: int) -> None:
        self._enabled = enabled
        self._label = label
        self._total = total
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not self._enabled:
            return lambda _n: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn(f"{self._label:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        task = self._bar.add_task(self._label, total=self._total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
