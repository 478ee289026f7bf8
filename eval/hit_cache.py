"""Retrieved passages per question, searched once and kept on disk, so that a reader change is
measured in a minute rather than a full run.

A cache file is JSON Lines, one search per line: the query, its as_of, and the ranked hits as
(chunk id, score, keyword rank, dense rank, dense cosine). Chunks are read back from the index
(with their stored sentence analysis), so a cache belongs to the index generation it names, and
to the retrieval code and settings it was searched with (`retrieval_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import service.retrieval
from indexer.protocols import IndexReader
from service.config import Settings
from service.types import RetrievalHit

Search = Callable[[str, date | None], list[RetrievalHit]]


def retrieval_fingerprint(settings: Settings) -> str:
    """12 hex digits that change with the retrieval package's code or the search settings, so
    that a cache never serves hits an older retriever found."""
    digest = hashlib.sha256(settings.model_dump_json(exclude={"api_keys", "llm_api_key"}).encode())
    package = Path(service.retrieval.__file__).parent
    for source in sorted(package.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def _key(query: str, as_of: date | None) -> str:
    return f"{as_of.isoformat() if as_of else '-'}\t{query}"


class HitCache:
    """Searches through `search` on a miss; every hit list comes back with stored analysis."""

    def __init__(self, path: Path, index: IndexReader, search: Search) -> None:
        self._path = path
        self._index = index
        self._search = search
        self._rows: dict[str, list[list[object]]] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if row.get("version") == index.version:
                    self._rows[_key(row["query"], _date(row["as_of"]))] = row["hits"]

    def hits(self, query: str, as_of: date | None) -> list[RetrievalHit]:
        key = _key(query, as_of)
        stored = self._rows.get(key)
        if stored is None:
            found = self._search(query, as_of)
            stored = [
                [h.chunk.id, h.score, h.keyword_rank, h.dense_rank, h.dense_score] for h in found
            ]
            self._rows[key] = stored
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as handle:
                row = {
                    "version": self._index.version,
                    "query": query,
                    "as_of": as_of.isoformat() if as_of else None,
                    "hits": stored,
                }
                handle.write(json.dumps(row) + "\n")
        return self._rebuild(stored)

    def _rebuild(self, stored: Sequence[Sequence[object]]) -> list[RetrievalHit]:
        chunks = {c.id: c for c in self._index.get_chunks([str(row[0]) for row in stored])}
        hits = []
        for chunk_id, score, keyword_rank, dense_rank, dense_score in stored:
            chunk = chunks.get(str(chunk_id))
            if chunk is None:
                continue
            hits.append(
                RetrievalHit(
                    chunk=chunk,
                    score=float(score),  # type: ignore[arg-type]
                    keyword_rank=None if keyword_rank is None else int(keyword_rank),  # type: ignore[call-overload]
                    dense_rank=None if dense_rank is None else int(dense_rank),  # type: ignore[call-overload]
                    dense_score=None if dense_score is None else float(dense_score),  # type: ignore[arg-type]
                )
            )
        return hits


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
