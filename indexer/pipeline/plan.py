"""What one build, add or delete decides: the next generation's article records (each canonical
or a duplicate), the counts of what changed, and the summary handed back to the caller.

Deleting a canonical article promotes its first remaining duplicate (in index order) to be the
indexed copy of the story; the group's other duplicates then point at it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.pipeline.write import Written
from indexer.store.schema import ArticleRecord
from indexer.timing import Stopwatch
from indexer.types import Article, IngestProblem

if TYPE_CHECKING:  # datasketch is imported only by the calls that de-duplicate
    from indexer.text.dedup import Deduplicator


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
    chunks_tagged: int = (
        0  # distinct chunk texts whose sentences were tagged (indexer.text.analysis)
    )
    seconds_total: float = 0.0
    seconds_embedding: float = 0.0
    generation: str | None = None  # the live generation afterwards
    published: bool = False  # False where nothing changed (e.g. --if-stale and up to date)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, for profiling


@dataclass
class Plan:
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

    def classify(self, article: Article, dedup: Deduplicator) -> ArticleRecord:
        """The record of `article`: a duplicate of an article `dedup` knows, or a new canonical
        one (registered with `dedup`)."""
        match = dedup.check(article)
        if match is not None:
            if match.kind == "exact":
                self.exact += 1
            else:
                self.near += 1
            return ArticleRecord(article, match.canonical_id, match.kind, match.similarity)
        text_hash, signature = dedup.add(article)
        return ArticleRecord(article, text_hash=text_hash, signature=signature)

    def summary(
        self, started: float, generation: str | None, written: Written | None = None
    ) -> UpdateSummary:
        """This plan's summary: `written` where it was published, None where nothing changed
        and `generation` stays live."""
        return UpdateSummary(
            articles_read=self.read,
            articles_added=self.added,
            articles_updated=self.updated,
            articles_unchanged=self.unchanged,
            articles_deleted=self.deleted,
            duplicates_exact=self.exact,
            duplicates_near=self.near,
            problems=tuple(self.problems),
            chunks_embedded=written.embedded if written else 0,
            chunks_reused=written.reused if written else 0,
            chunks_tagged=written.tagged if written else 0,
            seconds_total=time.perf_counter() - started,
            seconds_embedding=written.embed_seconds if written else 0.0,
            generation=generation,
            published=written is not None,
            stages=dict(self.clock.stages),
        )


def resolve_groups(records: dict[str, ArticleRecord]) -> None:
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
