"""Write the next generation of a Milvus deployment from the planned article records.

The same reuse as the FAISS store's writer (`indexer.pipeline.write`): articles whose content is
unchanged keep their chunks, a chunk text already embedded keeps its vector and its sentence
analysis, so only new text meets the model and the tagger. A build writes a new base (fresh
collections, positions 0..n-1 in input order) and switches the alias to it; an add or delete
writes only the change into the live base, stamped with the new generation (`catalog`), unless
the chunking or the sentence analyzer changed, which needs every row rewritten.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import date
from typing import Any

from indexer.config import IndexConfig
from indexer.hashing import text_sha256
from indexer.pipeline.embed import LazyEmbedder, chunk_articles, embed_texts
from indexer.pipeline.write import WriteJob, Written, canonical_and_kept
from indexer.progress import ProgressBar
from indexer.store.manifest import Counts, Manifest, generation_name
from indexer.store.milvus.catalog import Catalog
from indexer.store.milvus.reader import MilvusGeneration
from indexer.store.milvus.rows import (
    CollectionSettings,
    NextRows,
    Wrote,
    write_base,
    write_delta,
)
from indexer.store.milvus.schema import base_name, chunk_from_row
from indexer.store.schema import ArticleRecord
from indexer.text.analysis import SentenceAnalyzer, encode, load_analyzer
from indexer.timing import Stopwatch
from indexer.types import Article, Chunk

ANALYSIS_BATCH = 64  # chunk texts tagged per call: drives the progress bar
READ_BATCH = 200  # articles whose chunks are read back per request
_log = logging.getLogger(__name__)

__all__ = ["CollectionSettings", "write_generation"]


def write_generation(
    catalog: Catalog, settings: CollectionSettings, job: WriteJob, previous: MilvusGeneration | None
) -> Written:
    """Write `job`'s records as the next generation in Milvus and publish it."""
    records, config, embedders, clock = job.records, job.config, job.embedders, job.clock
    prior, analyzer, progress = job.prior, job.analyzer, job.progress
    incremental, fingerprint = job.incremental, job.fingerprint
    if not config.sentence_analysis:
        analyzer = None
    elif analyzer is None:  # one loaded (~1 s) is this write's own
        analyzer = load_analyzer()
    if config.sentence_analysis and analyzer is None:
        _log.warning("no spaCy English model installed: sentences are not tagged")
    analysis_name = analyzer.name if analyzer else None
    reuse = previous if previous and previous.embedding_model == embedders.model_name else None
    same_chunking = reuse is not None and reuse.manifest.chunking == config.chunking()
    same_analysis = reuse is not None and reuse.manifest.sentence_analysis == analysis_name
    with clock("read previous"):
        if reuse is None:
            prior = {}
        elif prior is None:
            prior = {r.article.id: r for r in reuse.article_records()}
    canonical, kept = canonical_and_kept(records, prior, same_chunking)
    delta = (
        incremental
        and same_chunking
        and same_analysis
        and reuse is not None
        and settings.writes_deltas(catalog.server_version())
    )
    with clock("chunking"):
        chunks_of = chunk_articles(
            [a for a in canonical if a.id not in kept], embedders, config, progress
        )
    known: dict[str, tuple[list[float], str | None]] = {}  # text sha256: (vector, analysis)
    if not delta and kept and reuse is not None:
        with clock("read previous"):
            _read_kept(reuse, [a.id for a in canonical if a.id in kept], chunks_of, known)
    ordered = [c for a in canonical if not (delta and a.id in kept) for c in chunks_of[a.id]]
    started = time.perf_counter()
    rows = _rows(ordered, reuse, known, same_analysis, analyzer, embedders, config, progress, clock)
    embed_seconds = time.perf_counter() - started if rows.embedded else 0.0
    dimension = len(rows.vectors[0]) if rows.vectors else _dimension(previous, embedders)
    generation = catalog.next_generation()
    with clock("writing"):
        if delta and reuse is not None:
            base = reuse.names.base
            wrote = write_delta(catalog, reuse, prior, records, kept, rows, generation)
        else:
            base = base_name(generation)
            wrote = write_base(catalog, settings, base, records, rows, dimension, generation)
    manifest = Manifest(
        generation=generation,
        embedding_model=embedders.model_name,
        dimension=dimension,
        chunking=config.chunking(),
        faiss_type=wrote.kind,  # "milvus:<index type>": what Milvus searches the vectors with
        counts=counts_of(records, wrote.chunks),
        checksums={},  # Milvus checks its own storage; there are no files here to checksum
        input_fingerprint=fingerprint,
        sentence_analysis=analysis_name,
    )
    with clock("fsync and publish"):
        catalog.record(generation, base, document(manifest, records, wrote))
        if not delta:
            catalog.switch(base)
        catalog.collect_garbage()
    fresh_rows = sum(1 for c in rows.chunks if text_sha256(c.text) in rows.fresh)
    return Written(
        generation_name(generation), rows.embedded, wrote.chunks - fresh_rows, embed_seconds,
        rows.tagged,
    )  # fmt: skip


def _read_kept(
    previous: MilvusGeneration,
    kept_in_order: list[str],
    chunks_of: dict[str, list[Chunk]],
    known: dict[str, tuple[list[float], str | None]],
) -> None:
    """Kept articles' chunks, vectors and analyses, read back from the previous generation."""
    for start in range(0, len(kept_in_order), READ_BATCH):
        batch = kept_in_order[start : start + READ_BATCH]
        found = previous.chunks_of(batch)
        for article_id in batch:
            rows = found.get(article_id, [])
            chunks_of[article_id] = [chunk_from_row(row) for row in rows]
            for row in rows:
                known.setdefault(row["text_sha256"], (list(row["vector"]), row.get("analysis")))


def _rows(
    chunks: list[Chunk],
    previous: MilvusGeneration | None,
    known: dict[str, tuple[list[float], str | None]],
    same_analysis: bool,
    analyzer: SentenceAnalyzer | None,
    embedders: LazyEmbedder,
    config: IndexConfig,
    progress: bool,
    clock: Stopwatch,
) -> NextRows:
    """Vectors (reused or embedded) and analyses (reused or tagged) for `chunks`."""
    digests = [text_sha256(c.text) for c in chunks]
    if previous is not None:
        with clock("read previous"):
            known.update(previous.embedded_texts([d for d in digests if d not in known]))
    texts = dict(zip(digests, (c.text for c in chunks), strict=True))
    new = {d: t for d, t in texts.items() if d not in known}
    with clock("embedding"):
        fresh = embed_texts(embedders, list(new.values()), config.batch_size, progress)
    vectors = {d: v.tolist() for d, v in zip(new, fresh, strict=True)}
    vectors.update({d: vector for d, (vector, _) in known.items() if d not in vectors})
    analyses: dict[str, str | None] = {}
    if analyzer is not None:
        if same_analysis:
            analyses = {d: a for d, (_, a) in known.items() if a is not None}
        untagged = [(d, t) for d, t in texts.items() if d not in analyses]
        with (
            clock("sentence analysis"),
            ProgressBar(progress, "tagging sentences", len(untagged)) as advance,
        ):
            for start in range(0, len(untagged), ANALYSIS_BATCH):
                batch = untagged[start : start + ANALYSIS_BATCH]
                found = analyzer.analyse([t for _, t in batch])
                analyses.update((d, encode(a)) for (d, _), a in zip(batch, found, strict=True))
                advance(len(batch))
    else:
        untagged = []
    return NextRows(
        chunks=chunks,
        vectors=[vectors[d] for d in digests],
        analyses=[analyses.get(d) for d in digests],
        fresh=set(new),
        tagged=len(untagged),
    )


def _dimension(previous: MilvusGeneration | None, embedders: LazyEmbedder) -> int:
    if previous is not None and previous.embedding_model == embedders.model_name:
        return previous.dimension
    return embedders.get().dimension


def counts_of(records: dict[str, ArticleRecord], chunks: int) -> Counts:
    kinds = [r.dup_kind for r in records.values()]
    return Counts(
        articles=len(records),
        indexed_articles=sum(1 for r in records.values() if r.canonical_id is None),
        duplicates_exact=kinds.count("exact"),
        duplicates_near=kinds.count("near"),
        chunks=chunks,
        vectors=chunks,
    )


def document(manifest: Manifest, records: dict[str, ArticleRecord], wrote: Wrote) -> dict[str, Any]:
    """What a reader of the generation needs besides the rows: manifest, outlets, counters."""
    indexed = [r.article for r in records.values() if r.canonical_id is None]
    sources = {a.source for a in indexed if a.source is not None}
    return {
        "manifest": json.loads(manifest.to_json()),
        "sources": sorted(sources),
        "outlets": outlet_rows(indexed),
        "next_position": wrote.next_position,
        "next_row": wrote.next_row,
        "next_seq": wrote.next_seq,
    }


def outlet_rows(indexed: list[Article]) -> list[list[Any]]:
    """[outlet, articles, newest, oldest] per outlet (dates ISO), as the FAISS store's
    `outlet_summaries` sorts them: by name, the articles that name no outlet last."""
    dates: dict[str | None, list[date]] = {}
    counts: Counter[str | None] = Counter()
    for article in indexed:
        counts[article.source] += 1
        dates.setdefault(article.source, [])
        if article.published_at is not None:
            dates[article.source].append(article.published_at)
    return [
        [
            name,
            counts[name],
            max(dates[name]).isoformat() if dates[name] else None,
            min(dates[name]).isoformat() if dates[name] else None,
        ]
        for name in sorted(counts, key=lambda n: (n is None, n or ""))
    ]
