"""Build, update and inspect an index: read, de-duplicate, chunk, embed, publish a generation.

Every call that changes the index writes a complete new generation aside and publishes it
atomically (`indexer.generations`). Work is reused from the live generation: articles whose
content hash is unchanged keep their chunks and vectors, and any chunk whose text is already
embedded keeps its vector, so only new text meets the model.

Deleting a canonical article promotes its first remaining duplicate (in index order) to be the
indexed copy of the story; the group's other duplicates then point at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from indexer.chunking import Chunker, OffsetTokenizer
from indexer.config import FaissIndexType, IndexConfig
from indexer.errors import IndexCorruptError, IndexMismatchError, IngestError, NoIndexError
from indexer.generations import (
    disk_size,
    next_generation,
    publish,
    staging_dir,
    writer_lock,
)
from indexer.manifest import MANIFEST_NAME, Counts, Manifest, sha256_file
from indexer.protocols import Embedder, FloatMatrix
from indexer.store import ArticleRecord, Store, StoreWriter, open_index, text_sha256
from indexer.types import Article, Chunk, IngestProblem, IngestReport

CHUNK_BATCH_ARTICLES = 256  # articles tokenised per chunking call: bounds memory, drives progress


class ChunkingEmbedder(Embedder, OffsetTokenizer, Protocol):
    """An embedder that also exposes its tokenizer, as chunking needs."""


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
    seconds_total: float = 0.0
    seconds_embedding: float = 0.0
    generation: str | None = None  # the live generation afterwards
    published: bool = False  # False where nothing changed (e.g. --if-stale and up to date)


@dataclass(frozen=True)
class IndexStatus:
    """The live generation at a glance."""

    index_dir: str
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
    disk_bytes: int

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


class _Embedders:
    """The embedder, loaded on first need: an up-to-date `--if-stale` never loads the model."""

    def __init__(self, config: IndexConfig, given: ChunkingEmbedder | None) -> None:
        self._config = config
        self._embedder = given

    @property
    def model_name(self) -> str:
        return self._embedder.model_name if self._embedder else self._config.embedding_model

    def get(self) -> ChunkingEmbedder:
        if self._embedder is None:
            from indexer.embedding import load_embedder  # imports torch: only when needed

            self._embedder = load_embedder(self._config.embedding_model, self._config.batch_size)
        return self._embedder


# --------------------------------------------------------------------------- public API


def build_index(
    paths: Sequence[str | Path],
    index_dir: Path | str,
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    strict: bool = False,
    progress: bool = True,
    if_stale: bool = False,
) -> UpdateSummary:
    """Publish a generation holding exactly the articles of `paths`."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    embedders = _Embedders(config, embedder)
    fingerprint = input_fingerprint(paths, config, embedders.model_name)
    with writer_lock(index_dir):
        previous = _open_previous(index_dir, tolerate_corrupt=True)
        try:
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
            plan = _Plan(records={}, read=len(report.articles), problems=list(report.problems))
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
            return _publish(
                index_dir, plan, previous, config, embedders, fingerprint, progress, started
            )
        finally:
            if previous is not None:
                previous.close()


def add_to_index(
    paths: Sequence[str | Path],
    index_dir: Path | str,
    config: IndexConfig,
    *,
    embedder: ChunkingEmbedder | None = None,
    strict: bool = False,
    progress: bool = True,
) -> UpdateSummary:
    """Upsert the articles of `paths`: new or changed ones (by content hash); others stay."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    embedders = _Embedders(config, embedder)
    with writer_lock(index_dir):
        previous = _open_previous(index_dir, tolerate_corrupt=False)
        try:
            if previous is not None:
                _check_compatible(previous.manifest, config, embedders.model_name)
            report = _read(paths, config, strict)
            records = {r.article.id: r for r in previous.article_records()} if previous else {}
            plan = _Plan(records=records, read=len(report.articles), problems=list(report.problems))
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
            if plan.added == 0 and plan.updated == 0 and previous is not None:
                return _summary(plan, previous.version, False, 0, 0, 0.0, started)
            return _publish(index_dir, plan, previous, config, embedders, None, progress, started)
        finally:
            if previous is not None:
                previous.close()


def delete_from_index(
    article_ids: Iterable[str],
    index_dir: Path | str,
    *,
    config: IndexConfig | None = None,
    embedder: ChunkingEmbedder | None = None,
    progress: bool = False,
) -> UpdateSummary:
    """Remove articles (chunks, vectors and rows). Unknown ids are reported as problems.

    The model is loaded only where a promoted duplicate has text not embedded yet.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    with writer_lock(index_dir):
        previous = _open_previous(index_dir, tolerate_corrupt=False)
        if previous is None:
            raise NoIndexError(f"no index in {index_dir} yet; nothing to delete")
        try:
            manifest = previous.manifest
            config = config or IndexConfig(
                embedding_model=manifest.embedding_model,
                chunk_target_tokens=manifest.chunking["target_tokens"],
                chunk_overlap_tokens=manifest.chunking["overlap_tokens"],
                faiss_index_type=cast(FaissIndexType, manifest.faiss_type),
            )
            embedders = _Embedders(config, embedder)
            _check_compatible(manifest, config, embedders.model_name)
            records = {r.article.id: r for r in previous.article_records()}
            plan = _Plan(records=records)
            for article_id in dict.fromkeys(article_ids):
                if records.pop(article_id, None) is None:
                    plan.problems.append(
                        IngestProblem(article_id, None, "no article with this id in the index")
                    )
                else:
                    plan.deleted += 1
            if plan.deleted == 0:
                return _summary(plan, previous.version, False, 0, 0, 0.0, started)
            return _publish(index_dir, plan, previous, config, embedders, None, progress, started)
        finally:
            previous.close()


def index_status(index_dir: Path | str) -> IndexStatus:
    """Figures of the live generation (verifies checksums; NoIndexError where none)."""
    index_dir = Path(index_dir)
    with open_index(index_dir) as store:
        m = store.manifest
        return IndexStatus(
            index_dir=str(index_dir),
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
            disk_bytes=disk_size(index_dir),
        )


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


def _open_previous(index_dir: Path, *, tolerate_corrupt: bool) -> Store | None:
    try:
        return open_index(index_dir)
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


def _publish(
    index_dir: Path,
    plan: _Plan,
    previous: Store | None,
    config: IndexConfig,
    embedders: _Embedders,
    fingerprint: str | None,
    progress: bool,
    started: float,
) -> UpdateSummary:
    """Write the plan as a new generation and make it live."""
    _resolve_groups(plan.records)
    model_name = embedders.model_name
    reusable = previous is not None and previous.manifest.embedding_model == model_name
    same_chunking = (
        reusable and previous is not None and (previous.manifest.chunking == config.chunking())
    )
    old_chunks: dict[str, list[tuple[int, Chunk]]] = {}
    old_by_text: dict[str, int] = {}
    old_vectors: FloatMatrix | None = None
    prior: dict[str, ArticleRecord] = {}
    if reusable and previous is not None:
        old_chunks = previous.chunks_by_article()
        old_vectors = previous.vectors()
        for pairs in old_chunks.values():
            for position, chunk in pairs:
                old_by_text.setdefault(text_sha256(chunk.text), position)
        prior = {r.article.id: r for r in previous.article_records()}

    canonical = [r.article for r in plan.records.values() if r.canonical_id is None]
    chunks_of: dict[str, list[Chunk]] = {}
    to_chunk: list[Article] = []
    for article in canonical:
        old = prior.get(article.id)
        if (
            same_chunking
            and old is not None
            and old.article.content_hash == article.content_hash
            and article.id in old_chunks
        ):
            chunks_of[article.id] = [c for _, c in old_chunks[article.id]]
        else:
            to_chunk.append(article)
    if to_chunk:
        chunker = Chunker(embedders.get(), config.chunk_target_tokens, config.chunk_overlap_tokens)
        with _progress(progress, "chunking", len(to_chunk)) as advance:
            for start in range(0, len(to_chunk), CHUNK_BATCH_ARTICLES):
                batch = to_chunk[start : start + CHUNK_BATCH_ARTICLES]
                for article, chunks in zip(batch, chunker.chunk_articles(batch), strict=True):
                    chunks_of[article.id] = chunks
                advance(len(batch))

    # Every distinct chunk text not embedded in the previous generation is embedded once.
    all_chunks = [c for a in canonical for c in chunks_of[a.id]]
    hashes = [text_sha256(c.text) for c in all_chunks]
    new_texts: dict[str, str] = {}
    for digest, chunk in zip(hashes, all_chunks, strict=True):
        if digest not in old_by_text:
            new_texts.setdefault(digest, chunk.text)
    embed_started = time.perf_counter()
    fresh = _embed(embedders, list(new_texts.values()), config.batch_size, progress)
    embed_seconds = time.perf_counter() - embed_started if new_texts else 0.0
    fresh_row = {digest: i for i, digest in enumerate(new_texts)}

    dimension = _dimension(previous, fresh, embedders, reusable)
    vectors = np.zeros((len(all_chunks), dimension), dtype=np.float32)
    for i, digest in enumerate(hashes):
        if digest in fresh_row:
            vectors[i] = fresh[fresh_row[digest]]
        else:
            assert old_vectors is not None
            vectors[i] = old_vectors[old_by_text[digest]]
    reused = sum(1 for d in hashes if d not in fresh_row)

    kinds = [r.dup_kind for r in plan.records.values()]
    counts = Counts(
        articles=len(plan.records),
        indexed_articles=len(canonical),
        duplicates_exact=kinds.count("exact"),
        duplicates_near=kinds.count("near"),
        chunks=len(all_chunks),
        vectors=len(vectors),
    )
    with staging_dir(index_dir) as temp_dir:
        writer = StoreWriter(temp_dir, dimension)
        for record in plan.records.values():
            writer.add_article(record)
        writer.add_chunks(all_chunks, vectors)
        manifest = Manifest(
            generation=next_generation(index_dir),
            embedding_model=model_name,
            dimension=dimension,
            chunking=config.chunking(),
            faiss_type=writer.finish(config.faiss_index_type),
            counts=counts,
            checksums={p.name: sha256_file(p) for p in sorted(temp_dir.iterdir())},
            input_fingerprint=fingerprint,
        )
        (temp_dir / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        name = publish(index_dir, temp_dir, manifest.generation)
    return _summary(plan, name, True, len(new_texts), reused, embed_seconds, started)


def _dimension(
    previous: Store | None, fresh: FloatMatrix, embedders: _Embedders, reusable: bool
) -> int:
    if len(fresh):
        return int(fresh.shape[1])
    if reusable and previous is not None:
        return previous.dimension
    return embedders.get().dimension


def _embed(embedders: _Embedders, texts: list[str], batch_size: int, progress: bool) -> FloatMatrix:
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    embedder = embedders.get()
    # Sorting by length keeps padding low across slices; the order is restored after.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    step = batch_size * 4
    with _progress(progress, "embedding", len(texts)) as advance:
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            out[rows] = embedder.embed_documents([texts[i] for i in rows])
            advance(len(rows))
    return out


class _progress:
    """A rich progress bar on stderr, or nothing when progress is off."""

    def __init__(self, enabled: bool, label: str, total: int) -> None:
        self._enabled = enabled
        self._label = label
        self._total = total
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not self._enabled:
            return lambda _n: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn(f"{self._label:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        task = self._bar.add_task(self._label, total=self._total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _summary(
    plan: _Plan,
    generation: str | None,
    published: bool,
    embedded: int,
    reused: int,
    embed_seconds: float,
    started: float,
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
        seconds_total=time.perf_counter() - started,
        seconds_embedding=embed_seconds,
        generation=generation,
        published=published,
    )
