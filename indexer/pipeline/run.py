"""Build, add to and delete from an index: read, de-duplicate, plan, publish a generation.

Every call that changes the index writes a new generation aside and publishes it atomically
(`write.py`, `indexer.store.generations`): a build writes it whole, an add or delete copies the
live generation and applies only the change, so its cost is about that of embedding new text.
An `embedder` or `analyzer` handed in is used instead of loading the model or the sentence
tagger for the call. Where generations live is an index location (`location.py`): a path means
the FAISS + SQLite directory there; a Milvus deployment is another location.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args

from indexer.config import FaissIndexType, IndexConfig
from indexer.errors import IndexCorruptError, IndexMismatchError, NoIndexError, StrictIngestError
from indexer.pipeline.embed import ChunkingEmbedder, LazyEmbedder
from indexer.pipeline.location import IndexLocation, LiveGeneration, as_location
from indexer.pipeline.plan import Plan, UpdateSummary, resolve_groups
from indexer.pipeline.status import input_fingerprint
from indexer.pipeline.write import WriteJob
from indexer.store.manifest import Manifest
from indexer.text.analysis import SentenceAnalyzer
from indexer.timing import Stopwatch
from indexer.types import IngestProblem, IngestReport

if TYPE_CHECKING:  # datasketch is imported only by the calls that de-duplicate
    from indexer.text.dedup import Deduplicator


@dataclass(frozen=True)
class _Call:
    """One build, add or delete: where it writes, with what, and when it started."""

    location: IndexLocation[Any]
    config: IndexConfig
    embedders: LazyEmbedder
    analyzer: SentenceAnalyzer | None
    progress: bool
    started: float

    @classmethod
    def begin(
        cls,
        index: Path | str | IndexLocation[Any],
        config: IndexConfig,
        embedder: ChunkingEmbedder | None,
        analyzer: SentenceAnalyzer | None,
        progress: bool,
        started: float | None = None,
    ) -> _Call:
        """The call starting now (or at `started`, a `time.perf_counter()`)."""
        embedders = LazyEmbedder(config, embedder)
        when = time.perf_counter() if started is None else started
        return cls(as_location(index), config, embedders, analyzer, progress, when)


def build_index(
    paths: Sequence[str | Path],
    index_dir: Path | str | IndexLocation[Any],
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    analyzer: SentenceAnalyzer | None = None,
    strict: bool = False,
    progress: bool = True,
    if_stale: bool = False,
) -> UpdateSummary:
    """Publish a generation holding exactly the articles of `paths`."""
    call = _Call.begin(index_dir, config, embedder, analyzer, progress)
    fingerprint = input_fingerprint(paths, config, call.embedders.model_name)
    with _updating(call.location, tolerate_corrupt=True) as previous:
        if (
            if_stale
            and previous is not None
            and fingerprint is not None
            and previous.manifest.input_fingerprint == fingerprint
        ):
            return UpdateSummary(
                articles_unchanged=previous.manifest.counts.articles,
                generation=previous.version,
                seconds_total=time.perf_counter() - call.started,
            )
        report = _read(paths, config, strict)
        prior = {r.article.id: r for r in previous.article_records()} if previous else {}
        plan = Plan(
            records={}, read=len(report.articles), problems=list(report.problems), prior=prior
        )
        dedup = _deduplicator(config)
        for article in report.articles:
            old = prior.get(article.id)
            if old is None:
                plan.added += 1
            elif old.article.content_hash == article.content_hash:
                plan.unchanged += 1
            else:
                plan.updated += 1
            plan.records[article.id] = plan.classify(article, dedup)
        plan.deleted = len(prior.keys() - plan.records.keys())
        return _write(call, plan, previous, fingerprint, incremental=False)


def add_to_index(
    paths: Sequence[str | Path],
    index_dir: Path | str | IndexLocation[Any],
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    analyzer: SentenceAnalyzer | None = None,
    strict: bool = False,
    progress: bool = True,
) -> UpdateSummary:
    """Upsert the articles of `paths`: new or changed ones (by content hash); others stay."""
    call = _Call.begin(index_dir, config, embedder, analyzer, progress)
    clock = Stopwatch()
    with _updating(call.location, tolerate_corrupt=False, clock=clock) as previous:
        if previous is not None:
            _check_compatible(previous.manifest, config, call.embedders.model_name)
        with clock("read inputs"):
            report = _read(paths, config, strict)
        with clock("read previous"):
            records = {r.article.id: r for r in previous.article_records()} if previous else {}
        plan = Plan(
            records=records,
            prior=dict(records),
            read=len(report.articles),
            problems=list(report.problems),
            clock=clock,
        )
        with clock("dedup load"):
            dedup = _deduplicator(config)
            dedup.load(
                (r.article.id, r.text_hash, r.signature or b"")
                for r in records.values()
                if r.canonical_id is None and r.text_hash is not None
            )
            for r in records.values():  # promoted duplicates have no persisted signature yet
                if r.canonical_id is None and r.text_hash is None:
                    dedup.add(r.article)
        for article in report.articles:
            old = records.get(article.id)
            if old is not None and old.article.content_hash == article.content_hash:
                plan.unchanged += 1
                continue
            if old is None:
                plan.added += 1
            else:
                plan.updated += 1
                dedup.remove(article.id)
            plan.records[article.id] = plan.classify(article, dedup)
        return _write_if(plan.added > 0 or plan.updated > 0, call, plan, previous)


def delete_from_index(
    article_ids: Iterable[str],
    index_dir: Path | str | IndexLocation[Any],
    *,
    config: IndexConfig | None = None,
    embedder: ChunkingEmbedder | None = None,
    analyzer: SentenceAnalyzer | None = None,
    progress: bool = False,
) -> UpdateSummary:
    """Remove articles (chunks, vectors and rows). Unknown ids are reported as problems.

    The model is loaded only where a promoted duplicate has text not embedded yet.
    """
    started = time.perf_counter()
    location = as_location(index_dir)
    clock = Stopwatch()
    with _updating(location, tolerate_corrupt=False, clock=clock) as previous:
        if previous is None:
            raise NoIndexError(f"no index in {location.describe()} yet; nothing to delete")
        manifest = previous.manifest
        config = config or IndexConfig(
            embedding_model=manifest.embedding_model,
            chunk_target_tokens=manifest.chunking["target_tokens"],
            chunk_overlap_tokens=manifest.chunking["overlap_tokens"],
            # A Milvus generation records its own index type ("milvus:HNSW"), not FAISS's.
            faiss_index_type=cast(FaissIndexType, manifest.faiss_type)
            if manifest.faiss_type in get_args(FaissIndexType)
            else "auto",
            # A delete keeps the index as it is: tagged sentences only where it has them.
            sentence_analysis=manifest.sentence_analysis is not None,
        )
        call = _Call.begin(location, config, embedder, analyzer, progress, started)
        _check_compatible(manifest, config, call.embedders.model_name)
        with clock("read previous"):
            records = {r.article.id: r for r in previous.article_records()}
        plan = Plan(records=records, prior=dict(records), clock=clock)
        for article_id in dict.fromkeys(article_ids):
            if records.pop(article_id, None) is None:
                plan.problems.append(
                    IngestProblem(article_id, None, "no article with this id in the index")
                )
            else:
                plan.deleted += 1
        return _write_if(plan.deleted > 0, call, plan, previous)


def _read(paths: Sequence[str | Path], config: IndexConfig, strict: bool) -> IngestReport:
    from indexer.sources.read import read_sources

    report = read_sources(
        paths,
        feed_timeout_s=config.feed_timeout_s,
        feed_max_bytes=config.feed_max_bytes,
        feed_min_chars=config.feed_min_chars,
        feed_allow_private=config.feed_allow_private,
    )
    if strict and report.problems:
        raise StrictIngestError(report.problems)
    return report


def _deduplicator(config: IndexConfig) -> Deduplicator:
    from indexer.text.dedup import Deduplicator

    return Deduplicator(config.near_duplicate_threshold)


@contextmanager
def _updating(
    location: IndexLocation[Any], *, tolerate_corrupt: bool, clock: Stopwatch | None = None
) -> Iterator[LiveGeneration | None]:
    """The writer lock held and the live generation (None before the first) open, for one update."""
    with location.writer_lock():
        with (clock or Stopwatch())("open previous"):
            previous = _open_previous(location, tolerate_corrupt=tolerate_corrupt)
        try:
            yield previous
        finally:
            if previous is not None:
                previous.close()


def _open_previous(location: IndexLocation[Any], *, tolerate_corrupt: bool) -> Any:
    try:
        return location.open_live()
    except NoIndexError:
        return None
    except IndexCorruptError:
        if tolerate_corrupt:  # a full build replaces a damaged generation rather than failing
            return None
        raise


def _check_compatible(manifest: Manifest, config: IndexConfig, model_name: str) -> None:
    if manifest.embedding_model != model_name:
        raise IndexMismatchError(
            f"the index was built with model {manifest.embedding_model!r}, not {model_name!r}; "
            "run `newsqa index build` to rebuild it with the new model"
        )
    if manifest.chunking != config.chunking():
        raise IndexMismatchError(
            f"the index was chunked with {manifest.chunking}, not {config.chunking()}; "
            "run `newsqa index build` to rebuild it with the new settings"
        )


def _write(
    call: _Call,
    plan: Plan,
    previous: LiveGeneration | None,
    fingerprint: str | None,
    *,
    incremental: bool,
) -> UpdateSummary:
    """Resolve duplicate groups, write and publish the plan, and sum up."""
    resolve_groups(plan.records)
    job = WriteJob(
        plan.records,
        call.config,
        call.embedders,
        fingerprint=fingerprint,
        progress=call.progress,
        incremental=incremental,
        clock=plan.clock,
        prior=plan.prior if previous is not None else None,
        analyzer=call.analyzer,
    )
    written = call.location.write_generation(job, previous)
    return plan.summary(call.started, written.generation, written)


def _write_if(
    changed: bool, call: _Call, plan: Plan, previous: LiveGeneration | None
) -> UpdateSummary:
    """An incremental write where the plan changed something; else the live generation stays."""
    if not changed and previous is not None:
        return plan.summary(call.started, previous.version)
    return _write(call, plan, previous, None, incremental=True)
