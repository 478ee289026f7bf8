"""The sentences a reader reads: every sentence of the top passages, scored against the question.

A sentence's score mixes weighted keyword overlap, its passage's rank and dense similarity to
the question: by default its passage's cosine from the dense leg, which read as well as
embedding each sentence (README) at none of the ~120 ms.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.text.analysis import SentenceTags, decode
from indexer.text.sentences import split_sentences
from indexer.types import Chunk
from service.reading.terms import content_terms

_log = logging.getLogger(__name__)


@dataclass
class ReadSentence:
    """One sentence of a retrieved passage, with what the reader knows of it."""

    hit_rank: int
    chunk: Chunk
    start: int  # offsets into chunk.text
    end: int
    stored: SentenceTags | None = None  # the index's tags for this sentence, where it has them
    position: int = 0  # the sentence's place in its passage
    keyword: float = 0.0
    dense: float = 0.0  # the sentence's cosine (or its passage's: sentence_vectors="passage")
    passage_dense: float = 0.0  # its passage's cosine, from the dense leg
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


def sentences_of(rank: int, chunk: Chunk, *, use_stored: bool) -> list[ReadSentence]:
    """A passage's sentences, with the index's tags where it stored a usable analysis.

    A reader built without a tagger ignores stored tags, so that "patterns only" stays that.
    """
    if use_stored and chunk.analysis is not None:
        try:
            analyses = decode(chunk.analysis)
        except ValueError as exc:
            _log.warning("chunk %s: unreadable sentence analysis (%s); tagging", chunk.id, exc)
        else:
            if all(0 <= a.start <= a.end <= len(chunk.text) for a in analyses):
                return [
                    ReadSentence(rank, chunk, a.start, a.end, a.tags, i)
                    for i, a in enumerate(analyses)
                ]
            _log.warning("chunk %s: sentence analysis does not fit its text; tagging", chunk.id)
    return [
        ReadSentence(rank, chunk, start, end, position=i)
        for i, (start, end) in enumerate(split_sentences(chunk.text))
    ]


def keyword_scores(question_terms: frozenset[str], sentences: Sequence[ReadSentence]) -> None:
    """idf-weighted share of the question's words each sentence holds (idf over these sentences)."""
    bags = [content_terms(s.text) for s in sentences]
    n = len(sentences)
    # Sorted: float sums in one order every run (a set's order follows the hash seed, and a
    # last-digit difference reorders near-tied sentences and moves the fitted trees).
    weights = {
        t: math.log((n + 1) / (0.5 + sum(t in bag for bag in bags))) for t in sorted(question_terms)
    }
    total = sum(weights.values()) or 1.0
    for sentence, bag in zip(sentences, bags, strict=True):
        sentence.keyword = sum(w for t, w in weights.items() if t in bag) / total
