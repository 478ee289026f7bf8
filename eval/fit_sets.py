"""The question sets `newsqa eval calibrate` fits on (or reports): RealTime QA's extractive
questions outside the sample (or in it), MultiHop-RAG's tuning (or reported) half, the seed
questions (in-sample either way) and the unanswerable sets' fit (or report) halves; RealTime
QA's, the seed's and the gold-removed RealTime QA questions once more without their dates."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from eval.datasets import Question, load_questions, read_ids
from eval.splits import select_half

SEED_QUESTIONS = Path(__file__).with_name("datasets") / "newsqa_seed.jsonl"
# Sets asked a second time without their date (as_of), as most users ask: the ranker and the
# confidence maps must learn how undated questions read, not only from MultiHop-RAG's.
UNDATED = ("realtimeqa", "removed-rt", "newsqa_seed")


def extractive_realtimeqa(data: Path) -> list[Question]:
    """RealTime QA questions whose answer is a span of their gold passage."""
    path = data / "questions" / "realtimeqa.jsonl"
    raw = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        raw[row["id"]] = bool(row.get("answer_in_evidence"))
    return [q for q in load_questions(path, "realtimeqa").questions if q.answers and raw[q.id]]


def dev_sets(data: Path, *, report: bool) -> dict[str, list[Question]]:
    """RealTime QA and MultiHop-RAG: the reported questions, or the ones to fit on; and the
    seed questions in both (they are reported as in-sample)."""
    sample = set(read_ids(data / "questions" / "realtimeqa_sample_1000.ids"))
    rt = [q for q in extractive_realtimeqa(data) if (q.id in sample) == report]
    multihop = load_questions(data / "questions" / "multihop_500.jsonl", "multihop").questions
    mh = select_half(multihop, "reported" if report else "tuning")
    seed = load_questions(SEED_QUESTIONS, "newsqa_seed").questions
    sets = {"realtimeqa": rt, "multihop": mh, "newsqa_seed": [q for q in seed if q.answers]}
    return sets | _undated(sets)


def _undated(sets: dict[str, list[Question]]) -> dict[str, list[Question]]:
    """The UNDATED sets' questions once more, without their date, as "<name>-undated"."""
    return {
        f"{name}-undated": [
            replace(q, asked_at=None, dataset=f"{name}-undated") for q in sets[name]
        ]
        for name in UNDATED
        if name in sets
    }


def unanswerable_sets(folder: Path, *, report: bool) -> dict[str, list[Question]]:
    half = "report" if report else "fit"
    out = {}
    for name in ("removed-rt", "removed-mh", "madeup"):
        path = folder / f"{name}-{half}.jsonl"
        if path.is_file():
            out[name] = list(load_questions(path, name).questions)
    return out | _undated(out)
