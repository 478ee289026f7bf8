"""What an evaluation run asks: an in-process QAEngine, or a running service over HTTP."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import ValidationError

from indexer.protocols import IndexReader
from service.engine import QAEngine
from service.generative.blocking import BlockingAnswerer
from service.types import AnswerMode, AskResult, RetrievalMode, SearchResult

R = TypeVar("R", AskResult, SearchResult)


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
    ) -> SearchResult: ...

    def ask(
        self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None
    ) -> AskResult: ...

    def gold_article(self, article_id: str) -> GoldArticle: ...

    def describe(self) -> dict[str, Any]:
        """What the run's config.json records about the system under test."""
        ...


class BackendError(Exception):
    """The system under test failed one call; the question is recorded with this message."""


class EngineBackend:
    """Calls a warmed-up engine in this process (through a BlockingAnswerer, answers in every
    mode, the LLM's included); `took_ms` is the wall clock seen here."""

    def __init__(
        self, engine: QAEngine | BlockingAnswerer, settings: dict[str, Any] | None = None
    ) -> None:
        self._engine = engine
        self._settings = settings or {}
        self._gold: dict[str, GoldArticle] = {}

    def search(
        self, query: str, *, mode: RetrievalMode, top_k: int, as_of: date | None
    ) -> SearchResult:
        start = time.perf_counter()
        result = self._engine.search(query, top_k, mode=mode, as_of=as_of)
        return result.model_copy(update={"took_ms": _ms_since(start)})

    def ask(self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None) -> AskResult:
        start = time.perf_counter()
        result = self._engine.ask(question, mode=mode, top_k=top_k, as_of=as_of)
        return result.model_copy(update={"took_ms": _ms_since(start)})

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


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


class HttpBackend:
    """Black-box calls to a running service; the client carries base_url, auth and timeouts."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self._gold: dict[str, GoldArticle] = {}
        self._versions: set[str] = set()

    def _post(self, path: str, body: dict[str, Any], result: type[R]) -> R:
        start = time.perf_counter()
        try:
            response = self._client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise BackendError(f"POST {path}: {type(exc).__name__}: {exc}") from exc
        took = _ms_since(start)
        if response.status_code != 200:
            raise BackendError(f"POST {path}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            parsed = result.model_validate_json(response.content)
        except ValidationError as exc:
            raise BackendError(f"POST {path}: not a {result.__name__}: {exc}") from exc
        self._versions.add(parsed.index_version)
        return parsed.model_copy(update={"took_ms": took})

    def search(
        self, query: str, *, mode: RetrievalMode, top_k: int, as_of: date | None
    ) -> SearchResult:
        body: dict[str, Any] = {"query": query, "top_k": top_k, "mode": mode}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        return self._post("/search", body, SearchResult)

    def ask(self, question: str, *, mode: AnswerMode, top_k: int, as_of: date | None) -> AskResult:
        body: dict[str, Any] = {"question": question, "mode": mode, "top_k": top_k}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        return self._post("/ask", body, AskResult)

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
