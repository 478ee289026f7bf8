"""Helpful / not helpful clicks on answers, kept in SQLite beside the index (survives restarts).

One vote per person per answer: a second click replaces the first, so a count is of people.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from service.slack.sqlite_state import SharedSQLite

VoteValue = Literal["helpful", "not_helpful"]
VOTES: tuple[VoteValue, ...] = ("helpful", "not_helpful")

SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_feedback (
    answer_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('helpful', 'not_helpful')),
    question TEXT NOT NULL,
    answer TEXT,
    mode TEXT,
    index_version TEXT,
    channel TEXT,
    voted_at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
)
"""


@dataclass(frozen=True)
class Vote:
    answer_id: str  # the answer's reference, carried in its buttons
    user_id: str
    vote: VoteValue
    question: str
    answer: str | None  # None for an abstention
    mode: str | None = None
    index_version: str | None = None
    channel: str | None = None


class FeedbackStore:
    def __init__(self, db: SharedSQLite) -> None:
        self._db = db
        db.create(SCHEMA)

    def record(self, vote: Vote) -> bool:
        """Stores `vote`; True where it changed what this person had said of this answer."""
        with self._db.transaction() as db:
            before = db.execute(
                "SELECT vote FROM slack_feedback WHERE answer_id = ? AND user_id = ?",
                (vote.answer_id, vote.user_id),
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO slack_feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    vote.answer_id, vote.user_id, vote.vote, vote.question, vote.answer,
                    vote.mode, vote.index_version, vote.channel, time.time(),
                ),
            )  # fmt: skip
        return before is None or before[0] != vote.vote

    def counts(self) -> dict[VoteValue, int]:
        """People's current votes, by value (every value present, 0 where none)."""
        rows = self._db.connection().execute(
            "SELECT vote, COUNT(*) FROM slack_feedback GROUP BY vote"
        )
        found = dict(rows.fetchall())
        return {value: int(found.get(value, 0)) for value in VOTES}
