"""Near-identical chunks of different articles collapse to the best-ranked one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from indexer.types import Chunk
from service.retrieval.question import WORD


def collapse_duplicates(
    ordered: Sequence[str],
    chunks: Mapping[str, Chunk],
    words: Mapping[str, frozenset[str]],
    threshold: float,
    *,
    limit: int | None = None,
) -> list[str]:
    """Drops a chunk whose text (near-)repeats a better-ranked chunk of another article.

    Chunks of one article may overlap by design, so those are kept. Stops at `limit` kept.
    """
    kept: list[str] = []
    for key in ordered:
        if limit is not None and len(kept) >= limit:
            break
        chunk = chunks[key]
        if any(
            chunks[other].article_id != chunk.article_id
            and jaccard(words[key], words[other]) >= threshold
            for other in kept
        ):
            continue
        kept.append(key)
    return kept


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    # Cheap reject first: Jaccard is at most the ratio of the smaller set to the larger.
    if min(len(a), len(b)) < 0.5 * max(len(a), len(b)):
        return min(len(a), len(b)) / max(len(a), len(b))
    return len(a & b) / len(a | b)


class LazyWords(dict[str, frozenset[str]]):
    """Word sets of chunk texts, computed on first use: most candidates are never compared."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        super().__init__()
        self._chunks = chunks

    def __missing__(self, key: str) -> frozenset[str]:
        value = words_of(self._chunks[key].text)
        self[key] = value
        return value


@lru_cache(maxsize=1 << 10)  # ~10 KB a chunk: ~10 MB per worker when full
def words_of(text: str) -> frozenset[str]:
    """The lower-cased words of a chunk's text."""
    # One lower() of the text, not one per word: a third of the time. Cached: the chunks of
    # popular stories come back request after request.
    return frozenset(WORD.findall(text.lower()))
