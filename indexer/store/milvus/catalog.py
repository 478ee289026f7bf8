"""Which generation of a Milvus deployment is live, publishing the next one, and clean-up.

A full build writes a new base (fresh collections), records its generation, then moves the
alias to it: one alias switch makes the whole base live at once. An add or delete changes the
live base in place: its new rows carry gen_from = G and the rows it replaces get gen_to = G, so
readers of G - 1 (who filter on their generation) see none of it; recording G's row in the
generations collection is the one write that makes it live. Milvus has no multi-row
transactions; the generation stamps are how a reader never sees half of a change.

What a writer killed half-way leaves (rows of an unpublished generation, a base never made
live) is undone by the next writer before it starts (`clean_leftovers`), as the FAISS store's
`generations.writer_lock` does with temp dirs. Superseded generations stay readable for
KEEP_GENERATIONS generations and at least GRACE_S seconds (a server polls for new generations
every second), then their rows are deleted (`collect_garbage`).
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from typing import Any

from indexer.store.manifest import Counts, Manifest, generation_name
from indexer.store.milvus.filters import quote
from indexer.store.milvus.schema import (
    OPEN,
    Names,
    base_of,
    create_collection,
    document_from_rows,
    generation_indexes,
    generation_rows,
    generation_schema,
    generations_collection,
)
from indexer.store.schema import parse_date
from indexer.types import OutletSummary

KEEP_GENERATIONS = 3
GRACE_S = 60.0
_QUERY_LIMIT = 16_384  # Milvus's largest query window
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """One recorded generation: its number, base and document (manifest and writer state)."""

    generation: int
    base: str
    document: dict[str, Any]

    @property
    def version(self) -> str:
        return generation_name(self.generation)

    @property
    def manifest(self) -> Manifest:
        data = dict(self.document["manifest"])
        data["counts"] = Counts(**data["counts"])
        return Manifest(**data)

    @property
    def next_position(self) -> int:
        return int(self.document["next_position"])

    @property
    def next_row(self) -> int:
        return int(self.document["next_row"])

    @property
    def next_seq(self) -> int:
        return int(self.document["next_seq"])

    @property
    def sources(self) -> list[str]:
        return [str(s) for s in self.document["sources"]]

    def outlets(self) -> list[OutletSummary]:
        """Indexed articles per outlet with their dates (`writer.document`), sorted by name."""
        return [
            OutletSummary(name, int(articles), parse_date(newest), parse_date(oldest))
            for name, articles, newest, oldest in self.document["outlets"]
        ]


class Catalog:
    """The generations of the deployment whose alias is `alias`, over one MilvusClient."""

    def __init__(self, client: Any, alias: str) -> None:
        self.client = client
        self.alias = alias
        self.collection = generations_collection(alias)

    # --- reading
    def server_version(self) -> str:
        """What the server calls itself: "v2.6.x" for Milvus, "milvus_lite-3.x" for Lite."""
        return str(self.client.get_server_version())

    def live_base(self) -> str | None:
        """The base the alias names, None before the first build."""
        if self.alias not in self.client.list_aliases().get("aliases", []):
            return None
        described = self.client.describe_alias(self.alias)
        return base_of(str(described["collection_name"]), self.alias)

    def current(self) -> tuple[str, int] | None:
        """(base, generation) of the live generation; two small reads, cheap enough to poll."""
        base = self.live_base()
        if base is None or not self.client.has_collection(self.collection):
            return None
        self.client.ensure_loaded(self.collection)
        rows = self.client.query(
            self.collection,
            filter=f"base == {quote(base)} and part == 0",
            output_fields=["generation"],
            limit=_QUERY_LIMIT,
        )
        if not rows:
            return None
        return base, max(int(row["generation"]) for row in rows)

    def current_version(self) -> str | None:
        found = self.current()
        return generation_name(found[1]) if found else None

    def load(self, generation: int) -> Published:
        self.client.ensure_loaded(self.collection)
        rows = self.client.query(
            self.collection,
            filter=f"generation == {generation}",
            output_fields=["generation", "base", "part", "parts", "document"],
            limit=_QUERY_LIMIT,
        )
        if not rows:
            raise LookupError(f"generation {generation} is not recorded")
        return Published(generation, str(rows[0]["base"]), document_from_rows(rows))

    def recorded(self) -> list[tuple[int, str, float]]:
        """(generation, base, published_at) of every recorded generation, oldest first."""
        if not self.client.has_collection(self.collection):
            return []
        self.client.ensure_loaded(self.collection)
        rows = self.client.query(
            self.collection,
            filter="part == 0",
            output_fields=["generation", "base", "published_at"],
            limit=_QUERY_LIMIT,
        )
        return sorted(
            (int(row["generation"]), str(row["base"]), float(row["published_at"])) for row in rows
        )

    # --- writing
    def ensure(self) -> None:
        """The generations collection, created with the first build."""
        if not self.client.has_collection(self.collection):
            create_collection(
                self.client,
                self.collection,
                generation_schema(self.client),
                generation_indexes(self.client),
            )

    def record(self, generation: int, base: str, document: dict[str, Any]) -> None:
        """Writes a generation's row(s). For a delta of the live base this publishes it."""
        self.ensure()
        self.client.insert(
            self.collection, generation_rows(generation, base, document, time.time())
        )

    def switch(self, base: str) -> None:
        """Points the alias at `base`: publishes a full build."""
        target = Names(self.alias, base).chunks
        if self.live_base() is None:
            self.client.create_alias(target, self.alias)
        else:
            self.client.alter_alias(target, self.alias)

    def next_generation(self) -> int:
        return max((g for g, _, _ in self.recorded()), default=0) + 1

    # --- clean-up
    def clean_leftovers(self) -> None:
        """Undoes what a killed writer left behind (call with the writer lock held)."""
        live = self.current()
        recorded = self.recorded()
        live_generation = live[1] if live else 0
        for generation, _, _ in recorded:
            if generation > live_generation:  # recorded, alias never switched to it
                self._forget(generation)
        if live is not None:
            base, generation = live
            for collection in (Names(self.alias, base).chunks, Names(self.alias, base).articles):
                self._undo_unpublished(collection, generation)
        kept_bases = {b for g, b, _ in recorded if g <= live_generation}
        self._drop_bases_except(kept_bases)

    def _undo_unpublished(self, collection: str, live: int) -> None:
        self.client.ensure_loaded(collection)
        self.client.delete(collection, filter=f"gen_from > {live}")
        while retired := full_rows(self.client, collection, f"gen_to > {live} and gen_to < {OPEN}"):
            log.info("%s: %d rows un-retired (an unpublished change)", collection, len(retired))
            for row in retired:
                row["gen_to"] = OPEN
            self.client.upsert(collection, retired)

    def collect_garbage(
        self, keep: int = KEEP_GENERATIONS, grace_s: float = GRACE_S, now: float | None = None
    ) -> list[int]:
        """Deletes generations no reader can still hold: all but the newest `keep`, once their
        successor has been live `grace_s`; returns the generations forgotten."""
        now = time.time() if now is None else now
        recorded = self.recorded()
        if not recorded:
            return []
        retained = {g for g, _, _ in recorded[-keep:]}
        for (g, _, _), (_, _, successor_at) in itertools.pairwise(recorded):
            if now - successor_at < grace_s:
                retained.add(g)
        oldest = min(retained)
        forgotten = [g for g, _, _ in recorded if g < oldest]
        for generation in forgotten:
            self._forget(generation)
        kept_bases = {b for g, b, _ in recorded if g in retained}
        self._drop_bases_except(kept_bases)
        for base in kept_bases:  # rows every retained generation has retired
            names = Names(self.alias, base)
            for collection in (names.chunks, names.articles):
                self.client.ensure_loaded(collection)
                self.client.delete(collection, filter=f"gen_to <= {oldest}")
        return forgotten

    def _forget(self, generation: int) -> None:
        self.client.delete(self.collection, filter=f"generation == {generation}")

    def _drop_bases_except(self, kept: set[str]) -> None:
        live = self.live_base()
        for collection in self.client.list_collections():
            for kind in ("chunks", "articles"):
                prefix = f"{self.alias}_{kind}_"
                base = collection[len(prefix) :] if collection.startswith(prefix) else None
                if base is not None and base not in kept and base != live:
                    log.info("dropping %s (no retained generation uses it)", collection)
                    self.client.drop_collection(collection)


def full_rows(client: Any, collection: str, expression: str) -> list[dict[str, Any]]:
    """Every stored field of (up to 16,384 of) the matching rows, less what Milvus generates
    (BM25's sparse vector), ready to upsert."""
    fields = [
        f["name"]
        for f in client.describe_collection(collection)["fields"]
        if not f.get("is_function_output")
    ]
    rows: list[dict[str, Any]] = client.query(
        collection, filter=expression, output_fields=fields, limit=_QUERY_LIMIT
    )
    return [dict(row) for row in rows]
