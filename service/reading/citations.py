"""Citations: a span of a chunk's sentence, turned into exact offsets in its article."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from indexer.types import Chunk
from service.reading.sentences import ReadSentence
from service.reading.spans import Span
from service.types import Citation


def citation_for(chunk: Chunk, sent_start: int, sent_end: int, start: int, end: int) -> Citation:
    """A citation for chunk-relative offsets, turned into article offsets."""
    return Citation(
        article_id=chunk.article_id,
        title=chunk.title,
        source=chunk.source,
        url=chunk.url,
        published_at=chunk.published_at,
        quote=chunk.text[sent_start:sent_end],
        start=chunk.start + start,
        end=chunk.start + end,
    )


def mention_citations(
    mentions: Iterable[tuple[ReadSentence, Span]], limit: int = 3
) -> tuple[Citation, ...]:
    """Citations of the first `limit` mentions: each its sentence, marked at the span."""
    return tuple(
        citation_for(
            sentence.chunk,
            sentence.start,
            sentence.end,
            sentence.start + span.start,
            sentence.start + span.end,
        )
        for sentence, span in islice(mentions, limit)
    )
