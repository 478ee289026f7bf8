"""Answers being written after their acknowledgement: tracked, so that shutdown waits for them
(up to a deadline) and names each one it had to give up on.

Bolt's own lazy listeners are fire-and-forget futures: nothing could wait for them on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class AnswerTasks:
    """The in-flight answer tasks of one event loop, each labelled with what it answers."""

    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task[None], str] = {}
        self._closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None], label: str) -> bool:
        """Runs `work` in the background; False (and `work` closed) once shutdown is over."""
        if self._closed:
            work.close()
            log.error("not answering %s: the bot has shut down", label)
            return False
        task = asyncio.create_task(work, name=f"slack answer {label}")
        self._tasks[task] = label
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        label = self._tasks.pop(task, "?")
        if not task.cancelled() and task.exception() is not None:
            # The answer flows handle their own errors; this is a bug, so it gets a trace.
            log.error("answer task for %s failed", label, exc_info=task.exception())

    async def drain(self, deadline_s: float) -> list[str]:
        """Waits up to `deadline_s` for every task, those that tasks start meanwhile included
        (an event being dispatched starts its answer); cancels the rest, returns their labels."""
        if self._tasks:
            log.info("waiting up to %.0f s for %d answers in flight", deadline_s, len(self))
        deadline = asyncio.get_running_loop().time() + deadline_s
        while self._tasks:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=left)
        late = dict(self._tasks)
        self._closed = True
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
        labels = sorted(set(late.values()))
        for label in labels:
            log.error("answer for %s cancelled at shutdown: not posted", label)
        return labels
