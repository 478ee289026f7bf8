"""`newsqa bench retrieval`: where a question's time goes inside the engine, without HTTP.

Each stage is timed on the same questions, in one process, over the served index: the
question's embedding (and the same text through the float32 export that documents take),
each search leg (and, beside it, the slower way it replaced: FTS5's own bm25 and FAISS's
IndexFlatIP), hybrid search with the query's vector cached and without, search as of the
question's date, and a whole extractive answer. Each stage sees its own variant of a question,
so no stage reuses the query vector another embedded; every repeat takes questions no earlier
one asked. Figures are p50/p95 per repeat, then the median over repeats.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.index import host_info
from service.config import Settings

STAGES = (
    "embed_query",
    "embed_float32",
    "keyword_leg",
    "keyword_leg_fts5",
    "dense_leg",
    "dense_leg_faiss_flat",
    "search_vector_cached",
    "search",
    "search_as_of",
    "ask",
)


@dataclass(frozen=True)
class BenchQuestion:
    text: str
    as_of: date | None = None


def questions_with_dates(path: Path, limit: int) -> list[BenchQuestion]:
    """`question` and `asked_at` (when present) of the first `limit` lines of a questions file."""
    found: list[BenchQuestion] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            asked = row.get("asked_at")
            as_of = date.fromisoformat(asked[:10]) if asked else None
            found.append(BenchQuestion(str(row["question"]), as_of))
            if len(found) >= limit:
                break
    return found


def run_retrieval_benchmark(
    index_dir: Path,
    questions: Sequence[BenchQuestion],
    *,
    repeats: int = 3,
    on_run: Callable[[int, dict[str, dict[str, float]]], None] | None = None,
) -> dict[str, Any]:
    """Times every stage on len(questions) // repeats fresh questions per repeat."""
    import faiss

    from indexer.store.keyword import keyword_terms
    from indexer.store.reader import Store, open_index
    from service.engine import QAEngine
    from service.retrieval.question import keyword_query

    per_run = len(questions) // repeats
    if per_run < 1:
        raise ValueError(f"{len(questions)} questions cannot make {repeats} repeats")
    engine = QAEngine(Settings(index_dir=index_dir))
    engine.warm_up()
    if not engine.ready:
        engine.close()
        raise ValueError(f"no index in {index_dir}")
    reference = open_index(index_dir)  # FTS5 answers its keyword queries: no postings loaded
    assert isinstance(reference, Store)
    reference.warm_term_counts()
    flat = faiss.IndexFlatIP(reference.dimension)
    flat.add(np.ascontiguousarray(reference.vectors(), dtype=np.float32))
    embedder = engine._get_embedder()
    runs: list[dict[str, dict[str, float]]] = []
    try:
        with engine.lease() as generation:
            index, retriever = generation.index, generation.retriever
            version, chunks = generation.version, index.chunk_count
            for number in range(repeats):
                timings: dict[str, list[float]] = {stage: [] for stage in STAGES}

                timed = _Timer(timings)
                for question in questions[number * per_run : (number + 1) * per_run]:
                    text = question.text
                    words = keyword_query(text)
                    vector = embedder.embed_query(f"{text} (1)")
                    faiss.omp_set_num_threads(1)
                    timed("embed_query", embedder.embed_query, f"{text} (2)")
                    timed("embed_float32", embedder.embed_documents, [f"{text} (7)"])
                    if keyword_terms(words):
                        timed("keyword_leg", index.keyword_refs, words, 50)
                        timed("keyword_leg_fts5", reference.keyword_refs, words, 50)
                    timed("dense_leg", index.dense_refs, vector, 50)
                    timed("dense_leg_faiss_flat", flat.search, vector[None, :], 50)
                    retriever.search(f"{text} (3)", 10)  # embeds, so the next call finds it cached
                    timed("search_vector_cached", retriever.search, f"{text} (3)", 10)
                    timed("search", retriever.search, f"{text} (4)", 10)
                    as_of = question.as_of or date.today()
                    timed("search_as_of", retriever.search, f"{text} (5)", 10, as_of=as_of)
                    timed("ask", engine.ask, f"{text} (6)")
                run = {stage: _summary(values) for stage, values in timings.items() if values}
                runs.append(run)
                if on_run is not None:
                    on_run(number, run)
    finally:
        reference.close()
        engine.close()
    return {
        "index_dir": str(index_dir),
        "index_version": version,
        "chunks": chunks,
        "questions_per_repeat": per_run,
        "repeats": repeats,
        "machine": host_info(),
        "stages_ms": {
            stage: {
                key: round(statistics.median(run[stage][key] for run in runs), 3)
                for key in ("p50", "p95", "mean")
            }
            for stage in STAGES
            if all(stage in run for run in runs)
        },
        "runs": runs,
    }


class _Timer:
    """Calls a function and adds its milliseconds to a stage's list."""

    def __init__(self, timings: dict[str, list[float]]) -> None:
        self._timings = timings

    def __call__(self, stage: str, call: Callable[..., object], *args: Any, **kw: Any) -> None:
        started = time.perf_counter()
        call(*args, **kw)
        self._timings[stage].append((time.perf_counter() - started) * 1000)


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "mean": round(statistics.fmean(ordered), 3),
        "count": len(ordered),
    }
