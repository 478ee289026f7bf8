"""The bot's SQLite state: claims settled once across processes, votes kept across restarts."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.slack.dedup import DeliveryLedger
from service.slack.feedback import FeedbackStore, Vote
from service.slack.sqlite_state import SharedSQLite
from service.slack.tasks import AnswerTasks

ROOT = Path(__file__).resolve().parents[3]

_CLAIM = """
import json, sys
from pathlib import Path
from service.slack.dedup import DeliveryLedger
from service.slack.sqlite_state import SharedSQLite
ledger = DeliveryLedger(SharedSQLite(Path(sys.argv[1])))
print(json.dumps([ledger.claim(f"event:Ev{n}") for n in range(200)]))
"""


def test_each_event_is_claimed_once_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "slack.sqlite")
    command = [sys.executable, "-c", _CLAIM, path]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env) for _ in range(3)]
    outcomes = [json.loads(racer.communicate(timeout=120)[0]) for racer in racers]
    # Three processes raced for the same 200 events: each event went to exactly one of them.
    assert [sum(claims) for claims in zip(*outcomes, strict=True)] == [1] * 200


def test_claims_expire_after_their_time_and_several_keys_go_together(tmp_path: Path) -> None:
    now = [1000.0]
    ledger = DeliveryLedger(SharedSQLite(tmp_path / "s.sqlite"), keep_s=600, clock=lambda: now[0])
    assert ledger.claim("event:A", "message:C1:1.0")
    assert not ledger.claim("event:A")
    assert not ledger.claim("event:B", "message:C1:1.0")  # the same message as another event
    assert ledger.claim("event:B", "message:C1:2.0")
    now[0] += 599
    assert not ledger.claim("event:A")
    now[0] += 2  # past Slack's retries: an id seen again is a new event
    assert ledger.claim("event:A")
    with pytest.raises(ValueError, match="at least 600"):
        DeliveryLedger(SharedSQLite(tmp_path / "t.sqlite"), keep_s=60)


def test_votes_are_one_per_person_per_answer_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "slack.sqlite"
    store = FeedbackStore(SharedSQLite(path))
    vote = Vote("answer-1", "U1", "helpful", "who?", "Ann", "extractive", "gen-1", "C1")
    assert store.record(vote)
    assert not store.record(vote)  # the same click again changes nothing
    assert store.record(Vote("answer-1", "U2", "helpful", "who?", "Ann"))
    assert store.record(Vote("answer-1", "U1", "not_helpful", "who?", "Ann"))
    assert store.counts() == {"helpful": 1, "not_helpful": 1}
    restarted = FeedbackStore(SharedSQLite(path))
    assert restarted.counts() == {"helpful": 1, "not_helpful": 1}


def test_answer_tasks_finish_within_the_deadline_or_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done: list[str] = []

    async def answer(label: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        done.append(label)

    async def scenario() -> tuple[list[str], bool]:
        tasks = AnswerTasks()
        tasks.start(answer("quick", 0.05), "event Ev1")
        tasks.start(answer("slow", 5), "event Ev2")
        cancelled = await tasks.drain(0.3)
        refused = tasks.start(answer("late", 0), "event Ev3")  # shut down: not taken
        return cancelled, refused

    cancelled, refused = asyncio.run(scenario())
    assert done == ["quick"]
    assert cancelled == ["event Ev2"] and refused is False
    assert "answer for event Ev2 cancelled at shutdown: not posted" in caplog.text
    assert "not answering event Ev3: the bot has shut down" in caplog.text


def test_draining_waits_for_tasks_that_tasks_start() -> None:
    done: list[str] = []

    async def answer() -> None:
        await asyncio.sleep(0.1)
        done.append("answer")

    async def scenario() -> list[str]:
        tasks = AnswerTasks()

        async def dispatch() -> None:  # as an event's dispatch starts its answer
            await asyncio.sleep(0.05)
            tasks.start(answer(), "event Ev1")

        tasks.start(dispatch(), "event Ev1")
        return await tasks.drain(5)

    assert asyncio.run(scenario()) == []
    assert done == ["answer"]
