"""Which questions are reported and which may be tuned on, fixed up front.

RealTime QA: the 1,000 ids of `realtimeqa_sample_1000.ids` are reported; its other extractive
questions may be fitted and tuned on. MultiHop-RAG: the reported half is the questions whose id
hashes (sha256) to an even number; the odd half may be fitted and tuned on. A hash, not a
random draw, so that every session and every tool draws the same line.
"""

from __future__ import annotations

import hashlib


def multihop_reported(question_id: str) -> bool:
    """True for the MultiHop-RAG half that is reported, never tuned on."""
    return int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % 2 == 0
