"""Hot reload: a background task that swaps in new index generations as they are published."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from service.engine import QAEngine

log = logging.getLogger(__name__)


async def poll_for_new_index(
    engine: QAEngine, interval_s: float, on_reload: Callable[[], None] = lambda: None
) -> None:
    """Every `interval_s`, asks the engine to swap in a newer generation; runs until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            # Opening a generation reads files (and may load the model): keep it off the loop.
            swapped = await asyncio.to_thread(engine.maybe_reload)
        except Exception:
            # A broken reload must not end the polling: the old generation keeps serving.
            log.exception("index reload failed; will look again")
            continue
        if swapped:
            on_reload()


@asynccontextmanager
async def reloading(
    engine: QAEngine, interval_s: float, on_reload: Callable[[], None] = lambda: None
) -> AsyncIterator[asyncio.Task[None]]:
    """Runs `poll_for_new_index` for the duration of the block."""
    task = asyncio.create_task(poll_for_new_index(engine, interval_s, on_reload))
    try:
        yield task
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
