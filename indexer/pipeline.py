"""Build, update and inspect an index: read, de-duplicate, chunk, embed, publish a generation.

Every call that changes the index writes a new generation aside and publishes it atomically
(`indexer.publish`, `indexer.generations`): a build writes it whole, an add or delete copies the
live generation and applies only the change, so its cost is about that of embedding new text.

Deleting a canonical article promotes its first remaining duplicate (in index order) to be the
indexed copy of the story; the group's other duplicates then point at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from indexer.analysis import ANALYSIS_FORMAT
from indexer.config import FaissIndexType, IndexConfig
from indexer.errors import IndexCorruptError, IndexMismatchError, IngestError, NoIndexError
from indexer.location import IndexLocation, LiveGeneration, as_location
from indexer.manifest import Manifest, sha256_file
from indexer.publish import ChunkingEmbedder, LazyEmbedder
from indexer.store import ArticleRecord
from indexer.timing import Stopwatch
from indexer.types import Article, IngestProblem, IngestReport

__all__ = [
    "ChunkingEmbedder",
    "IndexStatus",
    "StrictIngestError",
    "UpdateSummary",
    "add_to_index",
    "build_index",
    "delete_from_index",
    "index_status",
    "input_fingerprint",
]


class StrictIngestError(IngestError):
    """--strict: some inputs had problems, so nothing was published."""

    def __init__(self, problems: Sequence[IngestProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(
            f"{len(self.problems)} input problem(s) with --strict, nothing published: {shown}{more}"
        )


@dataclass(frozen=True)
class UpdateSummary:
    """What one build/add/delete did."""

    articles_read: int = 0
    articles_added: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_deleted: int = 0
    duplicates_exact: int = 0  # among the articles this call read (or promoted)
    duplicates_near: int = 0
    problems: tuple[IngestProblem, ...] = ()
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_tagged: int = 0  # distinct chunk texts whose sentences were tagged (indexer.analysis)
    seconds_total: float = 0.0
    seconds_embedding: float = 0.0
    generation: str | None = None  # the live generation afterwards
    published: bool = False  # False where nothing changed (e.g. --if-stale and up to date)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, for profiling


@dataclass(frozen=True)
class IndexStatus:
    """The live generation at a glance."""

    index_dir: str  # the index directory, or the Milvus URI and alias
    generation: str
    embedding_model: str
    dimension: int
    faiss_type: str
    chunking: dict[str, int]
    articles: int  # indexed (canonical) articles
    duplicates_exact: int
    duplicates_near: int
    chunks: int
    vectors: int
    created_at: str
    disk_bytes: int | None  # None where the store's disk is not on this machine (a server)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Plan:
    """The next generation's articles, and what this call did to get there."""

    records: dict[str, ArticleRecord]
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    exact: int = 0
    near: int = 0
    problems: list[IngestProblem] = field(default_factory=list)
    clock: Stopwatch = field(default_factory=Stopwatch)
    prior: dict[str, ArticleRecord] = field(default_factory=dict)  # the live generation's


# --------------------------------------------------------------------------- public API


def build_index(
    paths: Sequence[str | Path],
    index_dir: Path | str | IndexLocation[Any],
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    strict: bool = False,
    progress: bool = True,
    if_stale: bool = False,
) -> UpdateSummary:
    """Publish a generation holding exactly the articles of `paths`."""
    started = time.perf_counter()
    location = as_location(index_dir)
    embedders = LazyEmbedder(config, embedder)
    fingerprint = input_fingerprint(paths, config, embedders.model_name)
    with _updating(location, tolerate_corrupt=True) as previous:
        if (
            if_stale
            and previous is not None
            and fingerprint is not None
            and previous.manifest.input_fingerprint == fingerprint
        ):
            return UpdateSummary(
                articles_unchanged=previous.manifest.counts.articles,
                generation=previous.version,
                seconds_total=time.perf_counter() - started,
            )
        report = _read(paths, config, strict)
        prior = {r.article.id: r for r in previous.article_records()} if previous else {}
        plan = _Plan(
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
            plan.records[article.id] = _classify(article, dedup, plan)
        plan.deleted = len(prior.keys() - plan.records.keys())
        return _write(
            location,
            plan,
            previous,
            config,
            embedders,
            fingerprint,
            progress,
            started,
            incremental=False,
        )


def add_to_index(
    paths: Sequence[str | Path],
    index_dir: Path | str | IndexLocation[Any],
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    strict: bool = False,
    progress: bool = True,
) -> UpdateSummary:
    """Upsert the articles of `paths`: new or changed ones (by content hash); others stay."""
    started = time.perf_counter()
    location = as_location(index_dir)
    embedders = LazyEmbedder(config, embedder)
    clock = Stopwatch()
    with _updating(location, tolerate_corrupt=False, clock=clock) as previous:
        if previous is not None:
            _check_compatible(previous.manifest, config, embedders.model_name)
        with clock("read inputs"):
            report = _read(paths, config, strict)
        with clock("read previous"):
            records = {r.article.id: r for r in previous.article_records()} if previous else {}
        plan = _Plan(
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
            plan.records[article.id] = _classify(article, dedup, plan)
        changed = plan.added > 0 or plan.updated > 0
        return _write_if(changed, location, plan, previous, config, embedders, progress, started)


def delete_from_index(
    article_ids: Iterable[str],
    index_dir: Path | str | IndexLocation[Any],
    *,
    config: IndexConfig | None = None,
    embedder: ChunkingEmbedder | None = None,
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
        embedders = LazyEmbedder(config, embedder)
        _check_compatible(manifest, config, embedders.model_name)
        with clock("read previous"):
            records = {r.article.id: r for r in previous.article_records()}
        plan = _Plan(records=records, prior=dict(records), clock=clock)
        for article_id in dict.fromkeys(article_ids):
            if records.pop(article_id, None) is None:
                plan.problems.append(
                    IngestProblem(article_id, None, "no article with this id in the index")
                )
            else:
                plan.deleted += 1
        changed = plan.deleted > 0
        return _write_if(changed, location, plan, previous, config, embedders, progress, started)


def index_status(index_dir: Path | str | IndexLocation[Any]) -> IndexStatus:
    """Figures of the live generation (verifies checksums; NoIndexError where none)."""
    location = as_location(index_dir)
    live = location.open_live()
    try:
        m = live.manifest
        return IndexStatus(
            index_dir=location.describe(),
            generation=m.version,
            embedding_model=m.embedding_model,
            dimension=m.dimension,
            faiss_type=m.faiss_type,
            chunking=dict(m.chunking),
            articles=m.counts.indexed_articles,
            duplicates_exact=m.counts.duplicates_exact,
            duplicates_near=m.counts.duplicates_near,
            chunks=m.counts.chunks,
            vectors=m.counts.vectors,
            created_at=m.created_at,
            disk_bytes=location.disk_bytes(),
        )
    finally:
        live.close()


def input_fingerprint(
    paths: Sequence[str | Path], config: IndexConfig, model_name: str
) -> str | None:
    """sha256 of the input files and the settings that shape the index; None for feed URLs."""
    digest = hashlib.sha256()
    settings = {
        "model": model_name,
        "chunking": config.chunking(),
        "faiss": config.faiss_index_type,
        "near_duplicate_threshold": config.near_duplicate_threshold,
        "sentence_analysis": ANALYSIS_FORMAT if config.sentence_analysis else None,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for given in paths:
        if isinstance(given, str) and given.lower().startswith(("http://", "https://")):
            return None  # a feed can change without any local trace
        path = Path(given)
        if not path.exists():
            return None  # reading will raise IngestError naming it
        files = [path]
        if path.is_dir():  # hidden files are not inputs (indexer.sources skips them too)
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(s.startswith(".") for s in p.relative_to(path).parts)
            )
        for file in files:
            digest.update(str(file.relative_to(path) if path.is_dir() else file).encode())
            digest.update(sha256_file(file).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- internals


def _read(paths: Sequence[str | Path], config: IndexConfig, strict: bool) -> IngestReport:
    from indexer.sources import read_sources

    report = read_sources(
        paths, feed_timeout_s=config.feed_timeout_s, feed_max_bytes=config.feed_max_bytes
    )
    if strict and report.problems:
        raise StrictIngestError(report.problems)
    return report


def _deduplicator(config: IndexConfig) -> Any:
    from indexer.dedup import Deduplicator

    return Deduplicator(config.near_duplicate_threshold)


def _classify(article: Article, dedup: Any, plan: _Plan) -> ArticleRecord:
    match = dedup.check(article)
    if match is not None:
        if match.kind == "exact":
            plan.exact += 1
        else:
            plan.near += 1
        return ArticleRecord(article, match.canonical_id, match.kind, match.similarity)
    text_hash, signature = dedup.add(article)
    return ArticleRecord(article, text_hash=text_hash, signature=signature)


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


def _resolve_groups(records: dict[str, ArticleRecord]) -> None:
    """Point every duplicate at an indexed article; promote where its canonical is gone."""
    orphans: dict[str, list[str]] = {}
    for article_id, record in list(records.items()):
        if record.canonical_id is None:
            continue
        target, seen = record.canonical_id, {article_id}
        while target in records and records[target].canonical_id is not None:
            if target in seen:
                break
            seen.add(target)
            target = records[target].canonical_id or target
        if target in records and records[target].canonical_id is None:
            if target != record.canonical_id:
                records[article_id] = dataclasses.replace(record, canonical_id=target)
        else:
            orphans.setdefault(target, []).append(article_id)
    for members in orphans.values():
        head, *rest = members
        records[head] = ArticleRecord(records[head].article)
        for member in rest:
            records[member] = dataclasses.replace(records[member], canonical_id=head)


def _write(
    location: IndexLocation[Any],
    plan: _Plan,
    previous: LiveGeneration | None,
    config: IndexConfig,
    embedders: LazyEmbedder,
    fingerprint: str | None,
    progress: bool,
    started: float,
    *,
    incremental: bool,
) -> UpdateSummary:
    """Resolve duplicate groups, write and publish the plan, and sum up."""
    _resolve_groups(plan.records)
    written = location.write_generation(
        plan.records,
        previous,
        config,
        embedders,
        fingerprint=fingerprint,
        progress=progress,
        incremental=incremental,
        clock=plan.clock,
        prior=plan.prior if previous is not None else None,
    )
    return _summary(
        plan,
        written.generation,
        True,
        written.embedded,
        written.reused,
        written.embed_seconds,
        started,
        written.tagged,
    )


def _write_if(
    changed: bool,
    location: IndexLocation[Any],
    plan: _Plan,
    previous: LiveGeneration | None,
    config: IndexConfig,
    embedders: LazyEmbedder,
    progress: bool,
    started: float,
) -> UpdateSummary:
    """An incremental write where the plan changed something; else the live generation stays."""
    if not changed and previous is not None:
        return _summary(plan, previous.version, False, 0, 0, 0.0, started)
    return _write(
        location, plan, previous, config, embedders, None, progress, started, incremental=True
    )


def _summary(
    plan: _Plan,
    generation: str | None,
    published: bool,
    embedded: int,
    reused: int,
    embed_seconds: float,
    started: float,
    tagged: int = 0,
) -> UpdateSummary:
    return UpdateSummary(
        articles_read=plan.read,
        articles_added=plan.added,
        articles_updated=plan.updated,
        articles_unchanged=plan.unchanged,
        articles_deleted=plan.deleted,
        duplicates_exact=plan.exact,
        duplicates_near=plan.near,
        problems=tuple(plan.problems),
        chunks_embedded=embedded,
        chunks_reused=reused,
        chunks_tagged=tagged,
        seconds_total=time.perf_counter() - started,
        seconds_embedding=embed_seconds,
        generation=generation,
        published=published,
        stages=dict(plan.clock.stages),
    )
