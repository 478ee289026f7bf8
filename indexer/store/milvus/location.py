"""A Milvus deployment as an index location: connect, lock, open, write, clean up.

`uri` is what MilvusClient takes: a server (http://host:19530), a Zilliz Cloud endpoint, or a
local Milvus Lite file (a path ending in .db). Milvus Lite lets one process open a file at a
time, so a file cannot be written by `newsqa index add` while `newsqa serve` holds it, nor served
by several workers: run `milvus-lite server --data-dir FILE --host 127.0.0.1` and point the URI
at it instead. Writers to one deployment take a file lock on this machine (`lock_dir`), as the
FAISS store's writers do; writers on several machines need one scheduler.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexStoreError,
    NoIndexError,
)
from indexer.pipeline.write import WriteJob, Written
from indexer.store.milvus.catalog import Catalog
from indexer.store.milvus.reader import MilvusGeneration
from indexer.store.milvus.rows import CollectionSettings
from indexer.store.milvus.schema import Names
from indexer.store.milvus.writer import write_generation

log = logging.getLogger(__name__)
# pymilvus serves a Milvus Lite file from one in-process server per path, shared by every client
# of this process, and the file stays locked while it runs: the last location to close a file
# stops its server, so another process (a writer, a test's child) can open it.
_lite_users: Counter[str] = Counter()
_lite_lock = threading.Lock()


def is_local_file(uri: str) -> bool:
    """True for a Milvus Lite file (what pymilvus opens in process), not a server address."""
    return "://" not in uri and uri.endswith(".db")


class MilvusLocation:
    """Generations of one newsqa deployment (`alias`) in the Milvus at `uri`."""

    def __init__(
        self,
        uri: str,
        *,
        alias: str = "newsqa",
        token: str | None = None,
        settings: CollectionSettings | None = None,
        lock_dir: Path | str = Path("var/index"),
        timeout_s: float = 10.0,
    ) -> None:
        if not alias.replace("_", "a").isalnum() or alias[0].isdigit():
            raise ValueError(
                f"milvus_collection must be letters, digits and underscores, not starting with a "
                f"digit. Currently, it is {alias!r}"
            )
        self.uri = uri
        self.alias = alias
        self._token = token
        self.settings = settings or CollectionSettings()
        self.lock_dir = Path(lock_dir)
        self._timeout_s = timeout_s
        self._client: Any = None

    def describe(self) -> str:
        return f"milvus {self.uri} (alias {self.alias})"

    @property
    def client(self) -> Any:
        """The MilvusClient, connected on first use; its failures raise IndexStoreError."""
        if self._client is None:
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException

            if is_local_file(self.uri):
                Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                client = MilvusClient(
                    uri=self.uri, token=self._token or "", timeout=self._timeout_s
                )
            except MilvusException as exc:
                hint = (
                    " (Milvus Lite opens a file in one process at a time: is another newsqa "
                    "process using it? Serve it with `milvus-lite server` to share it)"
                    if is_local_file(self.uri)
                    else ""
                )
                raise IndexStoreError(
                    f"cannot open {self.describe()}: {exc.message}{hint}"
                ) from None
            self._client = GuardedClient(client, self.describe())
            if is_local_file(self.uri):
                with _lite_lock:
                    _lite_users[os.path.abspath(self.uri)] += 1
        return self._client

    def catalog(self) -> Catalog:
        return Catalog(self.client, self.alias)

    # --- reading
    def current_version(self) -> str | None:
        return self.catalog().current_version()

    def open_live(self) -> MilvusGeneration:
        catalog = self.catalog()
        live = catalog.current()
        if live is None:
            raise NoIndexError(
                f"no index in {self.describe()} yet; build one with `newsqa index build PATH...`"
            )
        base, generation = live
        names = Names(self.alias, base)
        for collection in (names.chunks, names.articles):
            if not self.client.has_collection(collection):
                raise IndexCorruptError(f"{self.describe()}: collection {collection} is missing")
            self.client.ensure_loaded(collection)
        try:
            published = catalog.load(generation)
        except (LookupError, ValueError, TypeError, KeyError) as exc:
            raise IndexCorruptError(f"{self.describe()}: generation {generation}: {exc}") from exc
        return MilvusGeneration(self.client, names, published)

    def open_for_serving(
        self, *, expected_model: str | None = None, expected_dimension: int | None = None
    ) -> MilvusGeneration:
        index = self.open_live()
        where = f"{self.describe()} {index.version}"
        if expected_model is not None and index.embedding_model != expected_model:
            raise IndexMismatchError(
                f"index {where} was built with model {index.embedding_model!r} (dimension "
                f"{index.dimension}), but {expected_model!r} was asked for; rebuild it with "
                "`newsqa index build`"
            )
        if expected_dimension is not None and index.dimension != expected_dimension:
            raise IndexMismatchError(
                f"index {where} has dimension {index.dimension}, but {expected_dimension} was "
                "asked for"
            )
        return index

    # --- writing
    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        from indexer.store.generations import writer_lock

        with writer_lock(self.lock_dir / f"milvus-{self.alias}"):
            self.catalog().clean_leftovers()
            yield

    def write_generation(self, job: WriteJob, previous: MilvusGeneration | None) -> Written:
        return write_generation(self.catalog(), self.settings, job, previous)

    def disk_bytes(self) -> int | None:
        """The Lite file's size (every generation it keeps); None for a server."""
        if not is_local_file(self.uri) or not Path(self.uri).exists():
            return None
        root = Path(self.uri)
        return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

    def close(self) -> None:
        if self._client is None:
            return
        self._client.close()
        self._client = None
        if is_local_file(self.uri):
            path = os.path.abspath(self.uri)
            with _lite_lock:
                _lite_users[path] -= 1
                last = _lite_users[path] <= 0
            if last:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(path)


class GuardedClient:
    """A MilvusClient whose failures raise IndexStoreError naming the deployment, so that the
    CLI exits with a message and the HTTP service answers 503, as for any index problem."""

    def __init__(self, client: Any, where: str) -> None:
        self._client = client
        self._where = where
        self._loaded: set[str] = set()

    def ensure_loaded(self, collection: str) -> None:
        """Loads a collection once per client: Milvus Lite forgets what was loaded when its
        process ends, and a server needs a collection loaded before it searches it."""
        if collection not in self._loaded:
            self.load_collection(collection)
            self._loaded.add(collection)

    def __getattr__(self, name: str) -> Any:
        from pymilvus.exceptions import MilvusException

        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except MilvusException as exc:
                raise IndexStoreError(f"{self._where}: {name} failed: {exc.message}") from exc

        return call
