"""Which questions report figures and which may tune the system: one fixed rule for everyone.

MultiHop-RAG has no held-out split of its own, so one is declared here, once: a question is in
the reported half where the sha256 of its id, read as an integer, is even; the other half is
the only part of MultiHop-RAG that fitting or tuning may look at. (RealTime QA's reported
questions are the ids of its fixed sample; its tuning questions are the rest of its extractive
subset.) The rule depends on the id alone, so it never moves as files are re-ordered or grow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal, TypeVar

from eval.datasets import Question

Half = Literal["reported", "tuning"]
HALVES: tuple[Half, ...] = ("reported", "tuning")
Q = TypeVar("Q", bound=Question)


def half_of(question_id: str) -> Half:
    """The question's half: reported where int(sha256(id), 16) is even, else tuning."""
    digest = hashlib.sha256(question_id.encode("utf-8")).hexdigest()
    return "reported" if int(digest, 16) % 2 == 0 else "tuning"


def select_half(questions: Iterable[Q], half: Half) -> list[Q]:
    """The questions of one half, in their order."""
    if half not in HALVES:
        raise ValueError(f"half must be one of {list(HALVES)}. Currently, half is {half!r}")
    return [q for q in questions if half_of(q.id) == half]
