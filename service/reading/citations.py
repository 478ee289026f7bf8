"""Citations: a span of a chunk's sentence, turned into exact offsets in its article."""

from __future__ import annotations

from indexer.types import Chunk
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
