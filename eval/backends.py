"""What an evaluation run asks: an in-process QAEngine, or a running service over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import httpx

from indexer.protocols import IndexReader
from indexer.types import SearchFilters
from service.types import AnswerMode, AskResult, RetrievalHit, RetrievalMode


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    article_id: str
    text: str
    score: float


@dataclass(frozen=True)
class SearchOutcome:
    passages: tuple[Passage, ...]
    index_version: str
    took_ms: float  # wall clock seen by the evaluator, transport included


@dataclass(frozen=True)
class AskOutcome:
    answer: str | None
    abstained: bool
    confidence: float
    mode_used: str
    passages: tuple[Passage, ...]
    index_version: str
    took_ms: float
    # Why the answer is not the mode's first choice (service/generative/modes.py), e.g.
    # low_confidence where auto asked the LLM; None where it is.
    fallback_reason: str | None = None
    grounded: bool | None = None
    prompt_tokens: int | None = None  # LLM usage, generative answers only
    completion_tokens: int | None = None


@dataclass(frozen=True)
class GoldArticle:
    """A gold id as the index sees it: the article standing for its story, if indexed."""

    id: str
    canonical_id: str | None
    source: str | None
    published_at: date | None


class Backend(Protocol):
    def search(
        self, query: str, *, mode: RetrievalMode, top_k: int, as_of: date | None
    ) -> SearchOutcome: ...

    def ask(
        self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None
    ) -> AskOutcome: ...

    def gold_article(self, article_id: str) -> GoldArticle: ...

    def describe(self) -> dict[str, Any]:
        """What the run's config.json records about the system under test."""
        ...


class _SearchResult(Protocol):
    @property
    def hits(self) -> Sequence[RetrievalHit]: ...

    @property
    def index_version(self) -> str: ...


class Engine(Protocol):
    """The part of service.engine.QAEngine that evaluation uses."""

    @property
    def index(self) -> IndexReader | None: ...

    def search(
        self,
        query: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode = "hybrid",
        as_of: date | None = None,
    ) -> _SearchResult: ...

    def ask(
        self,
        question: str,
        *,
        mode: AnswerMode = "auto",
        top_k: int = 10,
        filters: SearchFilters | None = None,
        as_of: date | None = None,
    ) -> AskResult: ...


def _from_hits(hits: Sequence[RetrievalHit]) -> tuple[Passage, ...]:
    return tuple(Passage(h.chunk.id, h.chunk.article_id, h.chunk.text, h.score) for h in hits)


class BackendError(Exception):
    """The system under test failed one call; the question is recorded with this message."""


class EngineBackend:
    """Calls a warmed-up engine in this process."""

    def __init__(self, engine: Engine, settings: dict[str, Any] | None = None) -> None:
        self._engine = engine
        self._settings = settings or {}
        self._gold: dict[str, GoldArticle] = {}

    def search(
        self, query: str, *, mode: RetrievalMode, top_k: int, as_of: date | None
    ) -> SearchOutcome:
        start = time.perf_counter()
        result = self._engine.search(query, top_k, mode=mode, as_of=as_of)
        took = (time.perf_counter() - start) * 1000
        return SearchOutcome(_from_hits(result.hits), result.index_version, took)

    def ask(self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None) -> AskOutcome:
        start = time.perf_counter()
        result = self._engine.ask(question, mode=mode, top_k=top_k, as_of=as_of)
        took = (time.perf_counter() - start) * 1000
        answer = result.answer
        return AskOutcome(
            answer=answer.text,
            abstained=answer.abstained,
            confidence=answer.confidence,
            mode_used=result.mode_used,
            passages=_from_hits(result.passages),
            index_version=result.index_version,
            took_ms=took,
            fallback_reason=result.fallback_reason,
            grounded=result.grounding.grounded if result.grounding else not answer.abstained,
            prompt_tokens=result.usage.prompt_tokens if result.usage else None,
            completion_tokens=result.usage.completion_tokens if result.usage else None,
        )

    def _index(self) -> IndexReader:
        index = self._engine.index
        if index is None:
            raise BackendError("the engine has no index loaded")
        return index

    def gold_article(self, article_id: str) -> GoldArticle:
        if article_id not in self._gold:
            index = self._index()
            article = index.get_article(article_id)
            self._gold[article_id] = GoldArticle(
                id=article_id,
                canonical_id=index.canonical_id(article_id),
                source=article.source if article else None,
                published_at=article.published_at if article else None,
            )
        return self._gold[article_id]

    def describe(self) -> dict[str, Any]:
        index = self._index()
        manifest = getattr(index, "manifest", None)  # the store's own; not in IndexReader
        return {
            "manifest": json.loads(manifest.to_json()) if manifest is not None else None,
            "backend": "in-process",
            "settings": self._settings,
            "index": {
                "version": index.version,
                "embedding_model": index.embedding_model,
                "dimension": index.dimension,
                "chunk_count": index.chunk_count,
                "article_count": index.article_count,
            },
        }


def _passages(items: Sequence[dict[str, Any]]) -> tuple[Passage, ...]:
    return tuple(
        Passage(
            str(p.get("chunk_id", "")),
            str(p.get("article_id", "")),
            str(p.get("text", "")),
            float(p.get("score", 0.0)),
        )
        for p in items
    )


class HttpBackend:
    """Black-box calls to a running service; the client carries base_url, auth and timeouts."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self._gold: dict[str, GoldArticle] = {}
        self._versions: set[str] = set()

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
        start = time.perf_counter()
        try:
            response = self._client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise BackendError(f"POST {path}: {type(exc).__name__}: {exc}") from exc
        took = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise BackendError(f"POST {path}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            data = response.json()
        except ValueError as exc:
            raise BackendError(f"POST {path}: response is not JSON") from exc
        if not isinstance(data, dict):
            raise BackendError(f"POST {path}: response is not a JSON object")
        self._versions.add(str(data.get("index_version", "")))
        return data, took

    def search(
        self, query: str, *, mode: RetrievalMode, top_k: int, as_of: date | None
    ) -> SearchOutcome:
        body = {"query": query, "top_k": top_k, "mode": mode}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        data, took = self._post("/search", body)
        return SearchOutcome(
            _passages(data.get("results", [])), str(data.get("index_version", "")), took
        )

    def ask(self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None) -> AskOutcome:
        body: dict[str, Any] = {"question": question, "mode": mode, "top_k": top_k}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        data, took = self._post("/ask", body)
        answer = data.get("answer")
        return AskOutcome(
            answer=answer if isinstance(answer, str) else None,
            abstained=bool(data.get("abstained", False)),
            confidence=float(data.get("confidence") or 0.0),
            mode_used=str(data.get("mode_used", "")),
            passages=_passages(data.get("passages", [])),
            index_version=str(data.get("index_version", "")),
            took_ms=took,
            fallback_reason=data.get("fallback_reason"),
            grounded=data.get("grounded"),
            prompt_tokens=(data.get("usage") or {}).get("prompt_tokens"),
            completion_tokens=(data.get("usage") or {}).get("completion_tokens"),
        )

    def gold_article(self, article_id: str) -> GoldArticle:
        if article_id in self._gold:
            return self._gold[article_id]
        try:
            response = self._client.get(f"/articles/{article_id}")
        except httpx.HTTPError as exc:
            raise BackendError(f"GET /articles/{article_id}: {type(exc).__name__}") from exc
        if response.status_code == 404:
            gold = GoldArticle(article_id, None, None, None)
        elif response.status_code != 200:
            raise BackendError(f"GET /articles/{article_id}: HTTP {response.status_code}")
        else:
            data = response.json()
            published = data.get("published_at")
            gold = GoldArticle(
                id=article_id,
                canonical_id=data.get("duplicate_of") or article_id,
                source=data.get("source"),
                published_at=date.fromisoformat(published[:10]) if published else None,
            )
        self._gold[article_id] = gold
        return gold

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "http",
            "url": str(self._client.base_url),
            "index": {"versions_seen": sorted(v for v in self._versions if v)},
        }
