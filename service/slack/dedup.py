"""Exactly once: the first process to claim a Slack event answers it; every later delivery of it
(Slack retries up to three times over ~5 minutes, to any worker) is acknowledged and dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from service.slack.sqlite_state import SharedSQLite

SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_deliveries (key TEXT PRIMARY KEY, claimed_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS slack_deliveries_by_time ON slack_deliveries (claimed_at)
"""
# Slack's last retry comes ~5 minutes after the first delivery; an hour leaves a wide margin
# (clock steps, a restart in between) and keeps the table small.
KEEP_S = 3600.0


class DeliveryLedger:
    """Claims on event keys, kept `keep_s` seconds, shared by every process using the file."""

    PRUNE_EVERY = 500  # claims between deletions of expired keys, per process

    def __init__(
        self, db: SharedSQLite, *, keep_s: float = KEEP_S, clock: Callable[[], float] = time.time
    ) -> None:
        # Wall-clock time: the claims outlive the process, and a restart must still see them.
        if keep_s < 600:
            raise ValueError(f"keep_s must be at least 600 (Slack's retries). Currently, {keep_s}")
        self._db = db
        self._keep_s = keep_s
        self._clock = clock
        self._claims = 0
        db.create(SCHEMA)

    def claim(self, *keys: str) -> bool:
        """True for the first caller that holds none of `keys` yet (it then holds them all)."""
        if not keys:
            raise ValueError("claim needs at least one key")
        now = self._clock()
        with self._db.transaction() as db:
            marks = ",".join("?" * len(keys))
            taken = db.execute(
                f"SELECT 1 FROM slack_deliveries WHERE key IN ({marks}) AND claimed_at >= ?",
                (*keys, now - self._keep_s),
            ).fetchone()
            if taken is not None:
                return False
            db.executemany(
                "INSERT OR REPLACE INTO slack_deliveries VALUES (?, ?)", [(k, now) for k in keys]
            )
            self._claims += 1
            if self._claims % self.PRUNE_EVERY == 0:
                db.execute(
                    "DELETE FROM slack_deliveries WHERE claimed_at < ?", (now - self._keep_s,)
                )
        return True
