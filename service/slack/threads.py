"""Follow-ups in a thread: the bot remembers the last question it answered in each thread, and
a later question there is asked with it as context ("and when was it announced?").

The memory is the bot's own (SQLite, shared by every process), not the thread's history read
back from Slack: no history scopes, no extra Web API call, and a thread with no earlier answer
by the bot simply has no context.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from service.slack.sqlite_state import SharedSQLite

SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_threads (
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (channel, thread_ts)
)
"""
KEEP_S = 30 * 24 * 3600.0  # a thread idle for a month starts afresh


@dataclass(frozen=True)
class Turn:
    """What the bot was asked in a thread, and what it answered (None: it abstained)."""

    question: str
    answer: str | None


class ThreadMemory:
    PRUNE_EVERY = 500  # writes between deletions of idle threads, per process

    def __init__(self, db: SharedSQLite) -> None:
        self._db = db
        self._writes = 0
        db.create(SCHEMA)

    def remember(self, channel: str, thread_ts: str, turn: Turn) -> None:
        now = time.time()
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO slack_threads VALUES (?, ?, ?, ?, ?)",
                (channel, thread_ts, turn.question, turn.answer, now),
            )
            self._writes += 1
            if self._writes % self.PRUNE_EVERY == 0:
                db.execute("DELETE FROM slack_threads WHERE updated_at < ?", (now - KEEP_S,))

    def recall(self, channel: str, thread_ts: str) -> Turn | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT question, answer FROM slack_threads WHERE channel = ? AND thread_ts = ?",
                (channel, thread_ts),
            )
            .fetchone()
        )
        return Turn(row[0], row[1]) if row is not None else None


# A run of capitalised words (numbers and a joining "of"/"and" inside it): "Orbital Labs",
# "GPT-5", "Bank of America". A question's first word is capitalised by grammar, so leading
# function words are dropped ("Where is Orbital Labs based?" -> "Where", "Orbital Labs").
_NAME = re.compile(r"\b[A-Z][\w'.&-]*(?:\s+(?:(?:of|de|for|and)\s+)?[A-Z0-9][\w'.&-]*)*")
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        """a an the and or but so also then of in on at to for from by with about as is are was
        were be been do does did has have had will would can could who whom whose what which
        when where why how that this these those it its they them their there he him his she
        her me tell""",
    )
)
# Pronouns a follow-up uses for the earlier topic; the first one is replaced by it.
_THING_PRONOUN = re.compile(r"\b(it|its|they|them|their)\b", re.I)
_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b(\s+\w+)?", re.I)
_POSSESSIVES = frozenset({"its", "their", "his"})
_OPENERS = re.compile(r"^\s*(?:and|so|also|then|ok|okay|but)\b[\s,]*", re.I)


def topic(text: str) -> str | None:
    """The longest name in `text` ("Orbital Labs"), or None where it names nothing."""
    names = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        while words and words[0].lower() in _FUNCTION_WORDS:
            words = words[1:]
        if words:
            names.append(" ".join(words).rstrip(".,"))
    return max(names, key=len) if names else None


def with_context(follow_up: str, earlier: Turn) -> str:
    """The follow-up with its pronoun replaced by the earlier topic, else the topic appended.

    "and when was it announced?" after "Who leads Superintelligence Labs?" becomes "when was
    Superintelligence Labs announced?"; "he"/"his" stand for the earlier answer where that is
    a name ("Alexandr Wang"). The follow-up keeps its own wh-word, so it still decides what kind
    of answer is asked for.
    """
    question = _OPENERS.sub("", follow_up).strip() or follow_up.strip()
    subject = topic(earlier.question)
    person = topic(earlier.answer) if earlier.answer else None
    for pattern, name in ((_PERSON_PRONOUN, person or subject), (_THING_PRONOUN, subject)):
        match = pattern.search(question)
        if match is not None and name is not None:
            replacement = f"{name}'s" if _possessive(match) else name
            return question[: match.start(1)] + replacement + question[match.end(1) :]
    names = subject or person
    if names is None or names.lower() in question.lower():
        return question
    return f"{question.rstrip()} ({names})"


def _possessive(match: re.Match[str]) -> bool:
    pronoun = match.group(1).lower()
    if pronoun == "her":  # "her company" owns; "hired her" or "her in 2024" does not
        following = (match.group(2) or "").strip().lower()
        return bool(following) and following not in _FUNCTION_WORDS
    return pronoun in _POSSESSIVES
