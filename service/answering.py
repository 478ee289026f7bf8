"""From retrieved passages to the extractive answer: through a bridge where the question
describes the thing it asks about instead of naming it (service/reading/bridge.py), through
one read per option where it compares two (service/reading/comparison.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from service.generation import ServedGeneration
from service.reading.bridge import parse_bridge, read_bridged
from service.reading.comparison import parse_comparison, read_comparison
from service.reading.truecase import truecased
from service.retrieval.question import plain_question
from service.types import Answer, Reader, RetrievalHit, Retrieved


def extractive_answer(
    reader: Reader,
    generation: ServedGeneration,
    question: str,
    retrieved: Retrieved,
    abstain_threshold: float,
) -> tuple[Answer, Retrieved, str | None]:
    """The reader's answer; the passages it was read from (a bridge question's second search,
    else `retrieved`'s); and the name a bridge question's first read found, if any."""

    def read(text: str, hits: Sequence[RetrievalHit]) -> Answer:
        analysed, outlets = generation.with_analysis(hits), generation.outlets.mentioned
        return reader.read(
            text,
            analysed,
            as_of=retrieved.as_of,
            newest_indexed=generation.newest_published,
            outlets=outlets,
        )

    # Typed all in lower case, a question's names take the capitals the news gives them.
    question = truecased(plain_question(question), (hit.chunk.text for hit in retrieved.hits))
    search = partial(generation.search_again, retrieved)
    bridge = parse_bridge(question)
    if bridge is not None:
        bridged = read_bridged(bridge, retrieved.hits, search, read, abstain_threshold)
        if bridged is not None:
            return bridged.answer, replace(retrieved, hits=bridged.hits), bridged.name
    comparison = parse_comparison(question)
    if comparison is not None:
        compared = read_comparison(comparison, search, read, abstain_threshold)
        if compared is not None:
            return compared, retrieved, None
    return read(question, retrieved.hits), retrieved, None
