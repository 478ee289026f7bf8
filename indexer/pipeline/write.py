"""Write the next generation from the planned article records and make it live.

Work is reused from the live generation: articles whose content hash is unchanged keep their
chunks and vectors, and any chunk whose text is already embedded keeps its vector, so only new
text meets the model (`embed.py`); likewise only new chunk texts are tagged
(`indexer.text.analysis`). An incremental write (add, delete) copies the live generation and
applies only the delta (`indexer.store.delta`); a full write (build) writes every row afresh, so
the index holds exactly the inputs in their order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.config import IndexConfig
from indexer.hashing import sha256_file, text_sha256
from indexer.pipeline.embed import (
    LazyEmbedder,
    assemble_vectors,
    chunk_articles,
    embed_texts,
    vector_dimension,
)
from indexer.progress import ProgressBar
from indexer.protocols import FloatMatrix
from indexer.store.delta import DeltaWriter
from indexer.store.generations import next_generation, publish, staging_dir
from indexer.store.manifest import MANIFEST_NAME, Counts, Manifest
from indexer.store.reader import Store
from indexer.store.schema import ArticleRecord
from indexer.store.writer import StoreWriter
from indexer.text.analysis import SentenceAnalyzer, encode, load_analyzer
from indexer.timing import Stopwatch
from indexer.types import Article, Chunk

ANALYSIS_BATCH_CHUNKS = 64  # chunk texts tagged per call: drives the progress bar

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """The published generation and what meeting the model cost."""

    generation: str
    embedded: int  # distinct chunk texts embedded
    reused: int  # chunks of the generation whose vector was not computed now
    embed_seconds: float
    tagged: int = 0  # distinct chunk texts whose sentences were tagged now


@dataclass(frozen=True)
class WriteJob:
    """One planned write, whatever the store: the records to publish as the next generation
    (duplicate groups resolved) and how to make it.

    `prior` is the live generation's records where the caller has read them already.
    `analyzer` tags the sentences where `config.sentence_analysis` asks for it; one is loaded
    for the write where none is given.
    """

    records: dict[str, ArticleRecord]
    config: IndexConfig
    embedders: LazyEmbedder
    fingerprint: str | None
    progress: bool
    incremental: bool
    clock: Stopwatch
    prior: dict[str, ArticleRecord] | None = None
    analyzer: SentenceAnalyzer | None = None


def canonical_and_kept(
    records: dict[str, ArticleRecord], prior: dict[str, ArticleRecord], same_chunking: bool
) -> tuple[list[Article], set[str]]:
    """The articles to index (each duplicate group's canonical one), and the ids of those whose
    chunks the live generation already holds unchanged (same text, same chunking, canonical)."""
    canonical = [r.article for r in records.values() if r.canonical_id is None]
    kept = {
        a.id
        for a in canonical
        if same_chunking
        and (old := prior.get(a.id)) is not None
        and old.canonical_id is None
        and old.article.content_hash == a.content_hash
    }
    return canonical, kept


def write_generation(index_dir: Path, job: WriteJob, previous: Store | None) -> Written:
    """Write `job`'s records as a new generation in `index_dir` and make it live."""
    records, config, embedders, clock = job.records, job.config, job.embedders, job.clock
    prior, analyzer, progress = job.prior, job.analyzer, job.progress
    incremental, fingerprint = job.incremental, job.fingerprint
    reusable = previous is not None and previous.manifest.embedding_model == embedders.model_name
    same_chunking = (
        reusable and previous is not None and previous.manifest.chunking == (config.chunking())
    )
    old_by_text: dict[str, int] = {}
    with clock("read previous"):
        if not reusable or previous is None:
            prior = {}
        else:
            if prior is None:
                prior = {r.article.id: r for r in previous.article_records()}
            old_by_text = previous.positions_by_text()
    canonical, kept = canonical_and_kept(records, prior, same_chunking)
    delta = incremental and same_chunking and previous is not None
    with clock("chunking"):
        fresh_articles = [a for a in canonical if a.id not in kept]
        chunks_of = chunk_articles(fresh_articles, embedders, config, progress)
    if delta:  # kept articles' chunks stay where they are in the copied file
        chunks = [c for a in canonical if a.id not in kept for c in chunks_of[a.id]]
    else:
        if kept and previous is not None:
            with clock("read previous"):
                for article_id, pairs in previous.chunks_by_article().items():
                    if article_id in kept:
                        chunks_of[article_id] = [c for _, c in pairs]
        chunks = [c for a in canonical for c in chunks_of.get(a.id, [])]

    # Every distinct chunk text not embedded in the previous generation is embedded once.
    hashes = [text_sha256(c.text) for c in chunks]
    new_texts: dict[str, str] = {}
    for digest, chunk in zip(hashes, chunks, strict=True):
        if digest not in old_by_text:
            new_texts.setdefault(digest, chunk.text)
    embed_started = time.perf_counter()
    with clock("embedding"):
        fresh = embed_texts(embedders, list(new_texts.values()), config.batch_size, progress)
    embed_seconds = time.perf_counter() - embed_started if new_texts else 0.0
    dimension = vector_dimension(previous, fresh, embedders, reusable)
    with clock("read previous"):
        old_vectors = previous.vectors() if old_by_text and previous is not None else None
    vectors = assemble_vectors(hashes, new_texts, fresh, old_vectors, old_by_text, dimension)

    with staging_dir(index_dir) as temp_dir:
        writer: StoreWriter | DeltaWriter
        with clock("writing"):
            if delta and previous is not None:
                writer = _write_delta(temp_dir, previous, prior, records, kept, chunks, vectors)
            else:
                writer = StoreWriter(temp_dir, dimension)
                for record in records.values():
                    writer.add_article(record)
                writer.add_chunks(chunks, vectors)
        with clock("sentence analysis"):
            tagger = None
            if config.sentence_analysis:  # one loaded (~1 s) is this write's own
                tagger = analyzer if analyzer is not None else load_analyzer()
            analysis, tagged = _analyse(writer, previous, tagger, config, progress)
        with clock("writing"):
            total = writer.chunk_count
            built = writer.finish(config.faiss_index_type)
        kinds = [r.dup_kind for r in records.values()]
        counts = Counts(
            articles=len(records),
            indexed_articles=len(canonical),
            duplicates_exact=kinds.count("exact"),
            duplicates_near=kinds.count("near"),
            chunks=total,
            vectors=total,
        )
        with clock("checksums"):
            checksums = {p.name: sha256_file(p) for p in sorted(temp_dir.iterdir())}
        manifest = Manifest(
            generation=next_generation(index_dir),
            embedding_model=embedders.model_name,
            dimension=dimension,
            chunking=config.chunking(),
            faiss_type=built,
            counts=counts,
            checksums=checksums,
            input_fingerprint=fingerprint,
            sentence_analysis=analysis,
        )
        (temp_dir / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        with clock("fsync and publish"):
            name = publish(index_dir, temp_dir, manifest.generation)
    _log.debug("%s: %s", name, ", ".join(f"{k} {v:.2f}s" for k, v in clock.stages.items()))
    fresh_rows = sum(1 for digest in hashes if digest in new_texts)
    return Written(name, len(new_texts), total - fresh_rows, embed_seconds, tagged)


def _write_delta(
    temp_dir: Path,
    previous: Store,
    prior: dict[str, ArticleRecord],
    records: dict[str, ArticleRecord],
    kept: set[str],
    chunks: Sequence[Chunk],
    vectors: FloatMatrix,
) -> DeltaWriter:
    """Copy the live generation and apply the change; the writer, ready to finish."""
    writer = DeltaWriter(temp_dir, previous.directory, previous.dimension)
    writer.delete_chunks_of(
        i for i, old in prior.items() if old.canonical_id is None and i not in kept
    )
    writer.delete_articles(i for i in prior if i not in records)
    for article_id, record in records.items():
        old = prior.get(article_id)
        if old is None:
            writer.insert_article(record)
        elif old != record:
            writer.update_article(record)
    writer.add_chunks(chunks, vectors)
    return writer


def _analyse(
    writer: StoreWriter | DeltaWriter,
    previous: Store | None,
    analyzer: SentenceAnalyzer | None,
    config: IndexConfig,
    progress: bool,
) -> tuple[str | None, int]:
    """Tag the sentences of every chunk text not already tagged: (analyzer name, texts tagged).

    A generation's analyses all come from one analyzer: the previous generation's are kept
    (a delta) or copied (a rebuild) only where the same analyzer made them. No analyzer: the
    generation is untagged.
    """
    same = (
        analyzer is not None
        and previous is not None
        and previous.manifest.sentence_analysis == analyzer.name
    )
    if isinstance(writer, DeltaWriter):
        if not same:
            writer.drop_analyses()
    elif same and previous is not None:
        writer.reuse_analyses(previous.directory)
    if analyzer is None:
        if config.sentence_analysis:
            _log.warning("no spaCy English model installed: sentences are not tagged")
        return None, 0
    # A kept analysis of the same analyzer means the previous generation is fully analysed.
    missing = (
        writer.texts_without_analysis(kept_complete=same)
        if isinstance(writer, DeltaWriter)
        else writer.texts_without_analysis()
    )
    with ProgressBar(progress, "tagging sentences", len(missing)) as advance:
        for start in range(0, len(missing), ANALYSIS_BATCH_CHUNKS):
            batch = missing[start : start + ANALYSIS_BATCH_CHUNKS]
            analyses = analyzer.analyse([text for _, text in batch])
            writer.add_analyses(
                (digest, encode(found)) for (digest, _), found in zip(batch, analyses, strict=True)
            )
            advance(len(batch))
    return analyzer.name, len(missing)
