"""Follow-ups: the earlier topic replaces the follow-up's pronoun, or is added to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.slack.sqlite_state import SharedSQLite
from service.slack.threads import ThreadMemory, Turn, topic, with_context

LEADS = Turn("Who leads Superintelligence Labs?", "Alexandr Wang")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Who leads Superintelligence Labs?", "Superintelligence Labs"),
        ("Where is Orbital Labs based?", "Orbital Labs"),
        ("What did the Norland Labour Authority open?", "Norland Labour Authority"),
        ("what is GPT-5 good at", "GPT-5"),
        ("Tell me about Bank of America", "Bank of America"),
        ("Is Kestrel cheap?", "Kestrel"),
        ("what happened this week?", None),
    ],
)
def test_the_topic_is_the_longest_name(text: str, name: str | None) -> None:
    assert topic(text) == name


@pytest.mark.parametrize(
    ("follow_up", "asked"),
    [
        ("and when was it announced?", "when was Superintelligence Labs announced?"),
        ("what are its goals?", "what are Superintelligence Labs's goals?"),
        ("where did he work before?", "where did Alexandr Wang work before?"),
        ("what is his title?", "what is Alexandr Wang's title?"),
        ("who hired her?", "who hired Alexandr Wang?"),
        ("how big is the team?", "how big is the team? (Superintelligence Labs)"),
        ("Is Superintelligence Labs hiring?", "Is Superintelligence Labs hiring?"),
    ],
)
def test_a_follow_up_is_asked_with_the_earlier_topic(follow_up: str, asked: str) -> None:
    assert with_context(follow_up, LEADS) == asked


def test_an_abstained_earlier_turn_still_gives_its_topic() -> None:
    earlier = Turn("When was Orbital Labs founded?", None)
    assert with_context("who runs it?", earlier) == "who runs Orbital Labs?"
    assert with_context("who runs it?", Turn("what happened?", None)) == "who runs it?"


def test_the_thread_memory_keeps_the_last_turn_per_thread(tmp_path: Path) -> None:
    memory = ThreadMemory(SharedSQLite(tmp_path / "slack.sqlite"))
    assert memory.recall("C1", "1.0") is None
    memory.remember("C1", "1.0", LEADS)
    memory.remember("C1", "1.0", Turn("when was Superintelligence Labs announced?", None))
    memory.remember("C2", "1.0", LEADS)
    reopened = ThreadMemory(SharedSQLite(tmp_path / "slack.sqlite"))  # another process, later
    assert reopened.recall("C1", "1.0") == Turn("when was Superintelligence Labs announced?", None)
    assert reopened.recall("C2", "1.0") == LEADS
