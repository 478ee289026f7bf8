"""Hybrid retrieval: bm25 and dense candidates, fused, boosted by time, de-duplicated, diversified.

`search(..., as_of=d)` answers "as of d": articles published after d are not evidence, so an
explicit as_of becomes an exact published_before filter. Time phrases in the question are resolved
against as_of (or today): explicit periods filter, relative phrases boost (see timeframes.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Literal

from indexer.errors import IndexMismatchError
from indexer.protocols import Embedder, FloatMatrix, IndexReader
from indexer.types import Chunk, ChunkRef, ScoredRef, SearchFilters
from service.fusion import Normalisation, mmr, reciprocal_rank_fusion, score_fusion
from service.outlets import OutletMatcher
from service.timeframes import (
    DateRange,
    Timeframe,
    mentioned_days,
    resolve_timeframe,
    strip_phrase,
)
from service.types import InvalidQueryError, RetrievalHit, RetrievalMode

_MODES = ("hybrid", "keyword", "dense")
_WORD = re.compile(r"\w+", re.UNICODE)
# Question scaffolding that bm25 would otherwise match in thousands of chunks.
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves according article articles report reported reports whose""".split()  # noqa: SIM905 (a word list reads best as prose)
)
_RECENCY_POOL = 10  # how many of the best candidates "latest" looks at for the newest date
_MAX_FETCH_ROUNDS = 3  # over-fetch doublings when collapsing leaves fewer than top_k
_READ_AHEAD = 4  # chunks read beyond top_k at once, for the few that de-duplication drops
# Keyword legs of concurrent requests; more workers than cores only queue inside SQLite.
_LEGS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-leg")


class HybridRetriever:
    """`service.types.Retriever` over an `IndexReader`; cheap to build, thread-safe to use.

    Defaults were measured on the shared dev sets (README, "Evaluation"): z-scored score fusion
    keeps hybrid ahead of both legs on every metric (rrf wins Hit@1 but loses Hit@5/10);
    keyword:dense weights 0.4:0.6 were chosen on RealTime QA questions outside the sample.
    The engine passes its own recency prior (settings); the class default is off, which the
    unit tests rely on.
    """

    def __init__(
        self,
        index: IndexReader,
        embedder: Embedder,
        *,
        fusion: Literal["rrf", "score"] = "score",
        rrf_k: int = 60,
        mmr_lambda: float | None = None,
        candidates: int = 50,
        weights: tuple[float, float] = (0.4, 0.6),  # (keyword, dense)
        normalisation: Normalisation = "zscore",
        time_boost: float = 1.0,
        latest_boost: float | None = 0.25,  # "latest", "recently": weaker, often descriptive
        recency_prior: float = 0.0,
        recency_prior_days: float = 365.0,
        duplicate_jaccard: float = 0.9,
        outlet_boost: float = 0.5,
        day_boost: float = 0.25,
        day_decay_days: float = 3.0,
    ) -> None:
        if fusion not in ("rrf", "score"):
            raise ValueError(f"fusion must be 'rrf' or 'score'. Currently, fusion is {fusion!r}")
        if rrf_k < 1:
            raise ValueError(f"rrf_k must be at least 1. Currently, rrf_k is {rrf_k}")
        if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
            raise ValueError(f"mmr_lambda must be within [0, 1]. Currently, it is {mmr_lambda}")
        if candidates < 1:
            raise ValueError(f"candidates must be at least 1. Currently, it is {candidates}")
        if min(weights) < 0 or len(weights) != 2:
            raise ValueError(f"weights must be two non-negative numbers. Currently, {weights}")
        if min(time_boost, latest_boost or 0.0, recency_prior, outlet_boost, day_boost) < 0:
            raise ValueError("boosts and the recency prior must not be negative")
        if recency_prior_days <= 0 or day_decay_days <= 0:
            raise ValueError("recency_prior_days and day_decay_days must be positive")
        if not 0.0 < duplicate_jaccard <= 1.0:
            raise ValueError(f"duplicate_jaccard must be in (0, 1]. Currently, {duplicate_jaccard}")
        if embedder.dimension != index.dimension:
            raise IndexMismatchError(
                f"embedder {embedder.model_name} gives {embedder.dimension}-d vectors but the "
                f"index was built with {index.embedding_model} ({index.dimension}-d)"
            )
        self._index = index
        self._embedder = embedder
        self._fusion = fusion
        self._rrf_k = rrf_k
        self._mmr_lambda = mmr_lambda
        self._candidates = candidates
        self._weights = weights
        self._normalisation: Normalisation = normalisation
        self._time_boost = time_boost
        self._latest_boost = time_boost if latest_boost is None else latest_boost
        self._recency_prior = recency_prior
        self._recency_prior_days = recency_prior_days
        self._duplicate_jaccard = duplicate_jaccard
        self._outlet_boost = outlet_boost
        self._day_boost = day_boost
        self._day_decay_days = day_decay_days
        # The outlets this generation holds, so questions naming one can favour its articles.
        self._outlets = OutletMatcher(index.sources()) if outlet_boost else OutletMatcher(())

    def search(
        self,
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode = "hybrid",
        as_of: date | None = None,
    ) -> list[RetrievalHit]:
        """The top_k chunks for a question, best first."""
        if top_k < 1:
            raise InvalidQueryError(f"top_k must be greater than 0. Currently, top_k is {top_k}")
        if mode not in _MODES:
            raise InvalidQueryError(f"mode must be one of {_MODES}. Currently, mode is {mode!r}")
        if not query.strip():
            raise InvalidQueryError("query must not be empty")
        anchor = as_of or date.today()
        timeframe = resolve_timeframe(query, anchor)
        hints = QueryHints(
            timeframe=timeframe,
            anchor=anchor,
            outlets=self._outlets.mentioned(query) if self._outlets else frozenset(),
            days=mentioned_days(query) if self._day_boost else (),
        )
        merged = merge_filters(filters, timeframe.range, as_of)
        if merged is None:
            return []  # the asked period and the filters do not overlap
        keyword_text = keyword_query(strip_phrase(query, timeframe)) if mode != "dense" else ""
        vector: FloatMatrix | None = None

        fetch = max(self._candidates, 2 * top_k)
        for _ in range(_MAX_FETCH_ROUNDS):
            # The keyword leg (SQLite) runs beside the embedding and FAISS (which release the
            # GIL too), so a lone request waits for the slower leg rather than for both.
            pending = (
                _LEGS.submit(self._index.keyword_refs, keyword_text, fetch, merged)
                if keyword_text
                else None
            )
            dense: list[ScoredRef] = []
            try:
                if mode != "keyword":
                    if vector is None:
                        vector = self._embedder.embed_query(query)
                    dense = self._index.dense_refs(vector, fetch, merged)
            finally:
                keyword = pending.result() if pending is not None else []
            hits = self._rank(keyword, dense, hints, top_k)
            exhausted = len(keyword) < fetch and len(dense) < fetch
            if len(hits) >= top_k or exhausted:
                break
            fetch *= 2
        return hits

    def _rank(
        self,
        keyword: list[ScoredRef],
        dense: list[ScoredRef],
        hints: QueryHints,
        top_k: int,
    ) -> list[RetrievalHit]:
        refs = {hit.ref.id: hit.ref for hit in [*keyword, *dense]}
        legs = [leg for leg in (keyword, dense) if leg]
        weights = [w for leg, w in zip((keyword, dense), self._weights, strict=True) if leg]
        if self._fusion == "rrf":
            rankings = [[hit.ref.id for hit in leg] for leg in legs]
            scores = reciprocal_rank_fusion(rankings, k=self._rrf_k, weights=weights)
        else:
            pairs = [[(hit.ref.id, hit.score) for hit in leg] for leg in legs]
            scores = score_fusion(pairs, weights=weights, method=self._normalisation)
        scores = self._boost(scores, refs, hints)
        ordered = sorted(scores, key=lambda key: (-scores[key], key))
        # Texts are read only for the best few, in batches, as de-duplication reaches them.
        chunks = _ChunksOnDemand(self._index, refs, ordered, batch=top_k + _READ_AHEAD)
        words = _LazyWords(chunks)
        # MMR picks from a pool a few times top_k deep; without it top_k is all that is needed.
        limit = top_k if self._mmr_lambda is None else 4 * top_k
        kept = collapse_duplicates(ordered, chunks, words, self._duplicate_jaccard, limit=limit)
        if self._mmr_lambda is not None:
            kept = mmr(
                kept,
                scores,
                lambda a, b: jaccard(words[a], words[b]),
                lambda_=self._mmr_lambda,
                k=top_k,
            )
        keyword_ranks = {hit.ref.id: rank for rank, hit in enumerate(keyword, start=1)}
        dense_ranks = {hit.ref.id: rank for rank, hit in enumerate(dense, start=1)}
        dense_scores = {hit.ref.id: hit.score for hit in dense}
        return [
            RetrievalHit(
                chunk=chunks[key],
                score=scores[key],
                keyword_rank=keyword_ranks.get(key),
                dense_rank=dense_ranks.get(key),
                dense_score=dense_scores.get(key),
            )
            for key in kept[:top_k]
        ]

    def _boost(
        self, scores: dict[str, float], chunks: Mapping[str, ChunkRef], hints: QueryHints
    ) -> dict[str, float]:
        """Adds bonuses for closeness in time and for outlets and days the question names.

        Bonuses are shares of the fused scores' range (from the lowest score or zero), which keeps
        each boost meaningful for rrf and score fusion alike and independent of how deep the
        legs were fetched. Undated chunks get no time bonus and keep their score.
        """
        timeframe, anchor = hints.timeframe, hints.anchor
        by_time = timeframe.recency or self._recency_prior > 0 or bool(hints.days)
        if not scores or not (by_time or hints.outlets):
            return scores
        # z-scores can be negative: measure from the lowest score then.
        scale = max(scores.values()) - min(0.0, min(scores.values())) or 1.0
        window = timeframe.window
        strength = self._time_boost if window is not None else self._latest_boost
        if timeframe.recency and window is None:
            # "latest": the newest of the most relevant candidates sets the target, so a barely
            # relevant newer chunk does not define what "latest" means.
            best = sorted(scores, key=lambda key: -scores[key])[:_RECENCY_POOL]
            dated = [chunks[key].published_at for key in best]
            newest = max((d for d in dated if d is not None and d <= anchor), default=None)
            window = (newest, newest) if newest is not None else None
        boosted = dict(scores)
        for key, score in scores.items():
            chunk = chunks[key]
            bonus = self._outlet_boost if chunk.source in hints.outlets else 0.0
            published = chunk.published_at
            if published is not None:
                if timeframe.recency and window is not None:
                    bonus += strength * _closeness(published, window, timeframe.decay_days)
                if self._recency_prior:
                    prior = _closeness(published, (anchor, anchor), self._recency_prior_days)
                    bonus += self._recency_prior * prior
                if hints.days:
                    nearest = max(
                        _closeness(published, (day, day), self._day_decay_days)
                        for day in hints.days
                    )
                    bonus += self._day_boost * nearest
            if bonus:
                boosted[key] = score + bonus * scale
        return boosted


@dataclass(frozen=True)
class QueryHints:
    """What a question says besides its words: its time frame, and outlets and days it names."""

    timeframe: Timeframe
    anchor: date  # what "this week" and the recency prior are measured from
    outlets: frozenset[str] = frozenset()
    days: tuple[date, ...] = ()


def merge_filters(
    filters: SearchFilters | None, period: DateRange | None, as_of: date | None
) -> SearchFilters | None:
    """The caller's filters narrowed by a question's period and an explicit as_of.

    None where the result is empty (after > before): nothing can match.
    """
    merged = filters or SearchFilters()
    after, before = merged.published_after, merged.published_before
    if period is not None:
        after = _latest(after, period[0])
        before = _earliest(before, period[1])
    if as_of is not None:
        before = _earliest(before, as_of)
    if after is not None and before is not None and after > before:
        return None
    return replace(merged, published_after=after, published_before=before)


def keyword_query(question: str) -> str:
    """The question's content words for bm25: no punctuation, question words or stopwords."""
    words = [w for w in _WORD.findall(question) if w.lower() not in _STOPWORDS and w != "_"]
    return " ".join(words)


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


class _ChunksOnDemand(dict[str, Chunk]):
    """Chunks by id, read from the index on first use, with the next few in `ordered`."""

    def __init__(
        self, index: IndexReader, refs: dict[str, ChunkRef], ordered: list[str], *, batch: int
    ) -> None:
        super().__init__()
        self._index = index
        self._refs = refs
        self._ordered = ordered
        self._place = {key: i for i, key in enumerate(ordered)}
        self._batch = batch

    def __missing__(self, key: str) -> Chunk:
        start = self._place.get(key)
        wanted = [key] if start is None else self._ordered[start : start + self._batch]
        wanted = [k for k in wanted if k == key or k not in self]
        for chunk in self._index.chunks_at([self._refs[k] for k in wanted]):
            self[chunk.id] = chunk
        if key not in self:
            raise KeyError(f"the index returned no chunk {key!r}")
        return self[key]


class _LazyWords(dict[str, frozenset[str]]):
    """Word sets of chunk texts, computed on first use: most candidates are never compared."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        super().__init__()
        self._chunks = chunks

    def __missing__(self, key: str) -> frozenset[str]:
        value = _words_of(self._chunks[key].text)
        self[key] = value
        return value


@lru_cache(maxsize=1 << 10)  # ~10 KB a chunk: ~10 MB per worker when full
def _words_of(text: str) -> frozenset[str]:
    # One lower() of the text, not one per word: a third of the time. Cached: the chunks of
    # popular stories come back request after request.
    return frozenset(_WORD.findall(text.lower()))


def _closeness(published: date, window: tuple[date, date], decay_days: float) -> float:
    """1 inside the window, halving every decay_days outside it."""
    start, end = window
    distance = (start - published).days if published < start else max(0, (published - end).days)
    return float(0.5 ** (distance / decay_days))


def _latest(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _earliest(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)
