"""MultiHop-RAG's own metrics, as its authors' scripts define them (Tang & Yang, COLM 2024).

github.com/yixuantt/MultiHop-RAG: retrieval_evaluate.py and qa_evaluate.py. Reported apart from
our metrics and labelled as theirs; null queries are left out of retrieval scoring by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# What their prompt asks the model to say when the evidence does not answer the question;
# an abstention is scored as this text so that null queries can be answered right.
NO_ANSWER_TEXT = "Insufficient information."


def _squash(text: str) -> str:
    # Their script compares with every space and newline removed.
    return text.replace(" ", "").replace("\n", "")


@dataclass(frozen=True)
class MultiHopRetrieval:
    hits_at_4: float
    hits_at_10: float
    map_at_10: float
    mrr_at_10: float


def retrieval_scores(retrieved: Sequence[str], gold_facts: Sequence[str]) -> MultiHopRetrieval:
    """Hits@4/10, MAP@10 and MRR@10 for one query, from the texts of its ranked chunks.

    A chunk is relevant where any gold evidence sentence (spaces removed) is inside it. MAP adds,
    at each relevant rank, the gold sentences first found there divided by the rank, and divides
    the sum by min(#gold, 10).
    """
    if not gold_facts:
        raise ValueError("gold_facts is empty: MultiHop-RAG scores only queries with evidence")
    gold = [_squash(g) for g in gold_facts]
    found: list[str] = []
    first_rank: int | None = None
    ap_sum = 0.0
    for rank, chunk in enumerate((_squash(c) for c in retrieved[:10]), start=1):
        if not any(g in chunk for g in gold):
            continue
        if first_rank is None:
            first_rank = rank
        new = 0
        for g in gold:
            # Their list keeps duplicates of a sentence apart only by value, so do we.
            if g in chunk and g not in found:
                new += 1
                found.append(g)
        ap_sum += new / rank
    return MultiHopRetrieval(
        hits_at_4=float(first_rank is not None and first_rank <= 4),
        hits_at_10=float(first_rank is not None),
        map_at_10=ap_sum / min(len(gold), 10),
        mrr_at_10=1.0 / first_rank if first_rank is not None else 0.0,
    )


def qa_correct(prediction: str, gold: str) -> float:
    """Their QA "accuracy": 1.0 where prediction and gold share a lower-cased whitespace word.

    A weak rule (any shared "the" counts): report it beside exact match, never instead of it.
    """
    return float(bool(set(prediction.lower().split()) & set(gold.lower().split())))
