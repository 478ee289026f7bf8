"""Helpers for service tests: passages made from strings (the embedder is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from indexer.types import Chunk
from service.reading.answer_types import AnswerType
from service.reading.context import Candidate
from service.reading.sentences import ReadSentence, sentences_of
from service.reading.spans import Span
from service.reading.terms import candidate_key
from service.types import RetrievalHit


def make_hits(
    *texts: str | tuple[str, str], prefix: str = "", published_at: date | None = None
) -> list[RetrievalHit]:
    """One hit per text, in rank order; a (text, article_id) pair names the article.

    Each chunk sits after `prefix` in its article, so chunk offsets differ from article offsets.
    """
    hits = []
    for rank, item in enumerate(texts):
        text, article_id = item if isinstance(item, tuple) else (item, f"art-{rank}")
        chunk = Chunk(
            id=f"{article_id}#1",
            article_id=article_id,
            ordinal=1,
            text=text,
            start=len(prefix),
            end=len(prefix) + len(text),
            token_count=len(text.split()),
            title=f"Title of {article_id}",
            source="Test Wire",
            url=f"https://example.test/{article_id}",
            published_at=published_at,
        )
        # Cosines that fall with rank, as the dense leg would report them.
        hits.append(
            RetrievalHit(
                chunk=chunk,
                score=1.0 / (1 + rank),
                dense_rank=rank + 1,
                dense_score=round(0.6 - 0.05 * rank, 3),
            )
        )
    return hits


def article_texts(hits: Sequence[RetrievalHit], prefix: str = "") -> dict[str, str]:
    """The article text each make_hits chunk came from, for offset checks."""
    return {hit.chunk.article_id: prefix + hit.chunk.text for hit in hits}


def ranked_spans(
    read: ReadSentence, *texts: str, kind: AnswerType = AnswerType.NUMBER
) -> list[Candidate]:
    """Candidates for spans of a read sentence, in the order given, scored from 0 down."""
    out = []
    for place, text in enumerate(texts):
        start = read.text.index(text)
        span = Span(start, start + len(text), text, kind)
        out.append(Candidate(candidate_key(text), span, read, {}, score=-float(place)))
    return out


def ranked_in_sentence(
    text: str, *spans: str, kind: AnswerType = AnswerType.NUMBER
) -> list[Candidate]:
    """Candidates for spans of a one-sentence passage, in the order given, scored from 0
    down."""
    read = sentences_of(0, make_hits(text)[0].chunk, use_stored=False)[0]
    return ranked_spans(read, *spans, kind=kind)
