"""The QA engine: one published index generation, a retriever over it and a reader.

The HTTP layer, the CLI and eval all go through `QAEngine`. A new generation is opened beside the
old one and swapped in by reference; requests hold a lease on the generation they started with,
and the old one is closed when its last lease ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

from indexer.protocols import Embedder, IndexReader
from indexer.types import SearchFilters
from service.answering import extractive_answer
from service.config import Settings
from service.generation import ServedGeneration
from service.reading.tagging import EntityTagger
from service.stores import index_location
from service.types import (
    AnswerMode,
    ArticleRef,
    ArticleResult,
    AskResult,
    InvalidQueryError,
    Passage,
    Reader,
    RetrievalMode,
    Retrieved,
    SearchResult,
)

log = logging.getLogger(__name__)

ReaderFactory = Callable[[Embedder], Reader]
# A published generation is immutable, so a failure to open one rarely heals; but a copy that was
# still arriving can, so it is tried again now and then rather than never.
RETRY_FAILED_AFTER_S = 60.0
# One intra-op thread per model call: concurrency comes from requests running side by side, and
# more threads per call oversubscribe the cores (measured on 2 cores with 8 clients: 1 thread
# served ~3.5 answers/s, 2 threads far fewer). Set process-wide when the engine loads the model.
TORCH_THREADS = 1
# Keyword legs of concurrent requests run beside their dense legs; more threads than cores only
# queue inside SQLite.
KEYWORD_LEG_THREADS = 4


class IndexUnavailableError(Exception):
    """No index generation is loaded (none published yet, or it could not be opened)."""


class ArticleNotFoundError(LookupError):
    """No article (indexed or de-duplicated) has this id."""


class ModeUnavailableError(Exception):
    """The asked answer mode needs a part that this deployment does not have."""


WARM_UP_QUESTION = "Who leads the company's new research lab?"


class QAEngine:
    """Search and extractive answers over the current index generation (thread-safe)."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        reader_factory: ReaderFactory | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._reader_factory = reader_factory
        self._reader: Reader | None = None
        self._tagger: EntityTagger | None = None  # spaCy, loaded only if a sentence needs it
        self._legs: ThreadPoolExecutor | None = None
        self._generation: ServedGeneration | None = None
        self._swap_lock = threading.Lock()  # guards self._generation
        self._load_lock = threading.Lock()  # one loader (warm-up or reload) at a time
        self._failed_versions: dict[str, float] = {}  # version: when it failed
        self._closed = False
        self._location = index_location(settings)  # NEWSQA_STORE's; connects on first use

    # -- state -----------------------------------------------------------------------------

    @property
    def index(self) -> IndexReader | None:
        generation = self._generation
        return generation.index if generation else None

    @property
    def index_version(self) -> str | None:
        generation = self._generation
        return generation.version if generation else None

    @property
    def ready(self) -> bool:
        return self._generation is not None

    # -- loading ---------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Opens the current generation; without one the engine stays alive but not ready.

        A generation built with another model, or a corrupt one, fails here: bad
        configuration should stop a start-up, not surface on the first request.
        """
        from indexer.errors import NoIndexError

        with self._load_lock:
            if self._closed or self._generation is not None:
                return
            # Looked at first so that an empty index directory never loads the model.
            if self._location.current_version() is None:
                log.warning("no index in %s yet; not ready until one is published", self._dir)
                return
            try:
                generation = self._open_generation()
            except NoIndexError:
                log.warning("no index in %s yet; not ready until one is published", self._dir)
                return
            self._swap(generation)
            # One throwaway question pays for the first forward pass and the first FTS5 query
            # (and loads spaCy where the index holds no sentence analysis), so the first real
            # request is as fast as the rest. It reads as `ask` does, stored analysis included.
            reader = self.reader
            hits = generation.retriever.search(WARM_UP_QUESTION, top_k=3)
            reader.read(WARM_UP_QUESTION, generation.with_analysis(hits))
            log.info("serving index %s from %s", generation.version, self._dir)

    def maybe_reload(self) -> bool:
        """Swaps in a newly published generation; True where one was swapped in.

        A generation that cannot be opened is logged and skipped, and tried again only after
        RETRY_FAILED_AFTER_S; the old one keeps serving meanwhile.
        """
        latest = self._location.current_version()
        if latest is None or latest == self.index_version:
            return False
        failed_at = self._failed_versions.get(latest)
        if failed_at is not None and time.monotonic() - failed_at < RETRY_FAILED_AFTER_S:
            return False
        with self._load_lock:
            if self._closed or latest == self.index_version:
                return False
            try:
                generation = self._open_generation()
            except Exception as exc:
                self._failed_versions[latest] = time.monotonic()
                log.error("cannot open index generation %s: %s; keeping the old one", latest, exc)
                return False
            if generation.version == self.index_version:
                generation.retire()
                return False
            old = self._swap(generation)
        previous = f" (was {old.version})" if old else ""
        log.info("serving index %s from %s%s", generation.version, self._dir, previous)
        return True

    def close(self) -> None:
        """Closes the served generation once in-flight requests have finished with it."""
        # Waits for a reload in progress, which would otherwise swap in a generation after this.
        with self._load_lock:
            self._closed = True
            with self._swap_lock:
                old, self._generation = self._generation, None
        # The location (a Milvus client) closes after the last request on the generation.
        if old is not None:
            old.retire(then=self._location.close)
        else:
            self._location.close()
        if self._legs is not None:
            self._legs.shutdown(wait=True)  # in-flight legs finish; their requests hold leases
        self._reader = self._tagger = None

    @property
    def _dir(self) -> str:
        return self._location.describe()

    def _swap(self, generation: ServedGeneration) -> ServedGeneration | None:
        with self._swap_lock:
            old, self._generation = self._generation, generation
        if old is not None:
            old.retire()
        return old

    def _open_generation(self) -> ServedGeneration:
        from service.retrieval.search import HybridRetriever

        embedder = self._get_embedder()
        index = self._location.open_for_serving(
            expected_model=embedder.model_name, expected_dimension=embedder.dimension
        )
        if self._legs is None:
            self._legs = ThreadPoolExecutor(KEYWORD_LEG_THREADS, thread_name_prefix="keyword-leg")
        try:
            index.prepare_for_queries()
            retriever = HybridRetriever(
                index,
                embedder,
                fusion=self.settings.fusion,
                rrf_k=self.settings.rrf_k,
                mmr_lambda=self.settings.mmr_lambda,
                recency_prior=self.settings.recency_prior,
                recency_prior_days=self.settings.recency_half_life_days,
                weights=(self.settings.keyword_weight, 1.0 - self.settings.keyword_weight),
                outlet_boost=self.settings.outlet_boost,
                day_boost=self.settings.day_boost,
                year_boost=self.settings.year_boost,
                executor=self._legs,
            )
        except BaseException:
            index.close()  # a generation that cannot be served keeps no file open
            raise
        _ = self.reader  # built once, beside the first generation, so no request waits on it
        return ServedGeneration(index, retriever)

    def _get_embedder(self) -> Embedder:
        if self._embedder is None:
            # Torch-free where a checked ONNX export is cached (see indexer/query_embedder.py).
            from indexer.embedding.query_embedder import load_query_embedder

            self._embedder = load_query_embedder(
                self.settings.embedding_model,
                self.settings.embedding_batch_size,
                num_threads=TORCH_THREADS,
                cache_dir=self.settings.cache_dir if self.settings.onnx_encoder else None,
                query_precision=self.settings.query_precision,
            )
        return self._embedder

    @property
    def reader(self) -> Reader:
        """The reader answers come from (built on first use, with the embedder it needs)."""
        if self._reader is None:
            embedder = self._get_embedder()
            if self._reader_factory is not None:
                self._reader = self._reader_factory(embedder)
            else:
                from service.reading.factory import build_reader
                from service.reading.tagging import load_entity_tagger

                self._tagger = load_entity_tagger()
                self._reader = build_reader(
                    self.settings.reader,
                    embedder,
                    abstain_threshold=self.settings.abstain_threshold,
                    sentence_vectors=self.settings.sentence_vectors,
                    tagger=self._tagger,
                )
        return self._reader

    @contextmanager
    def lease(self) -> Iterator[ServedGeneration]:
        """The current generation, kept open until the block ends."""
        with self._swap_lock:
            generation = self._generation
            if generation is None:
                raise IndexUnavailableError(
                    f"no index is loaded from {self._dir}; build one with `newsqa index build`"
                )
            generation.acquire()
        try:
            yield generation
        finally:
            generation.release()

    # -- queries ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        *,
        mode: RetrievalMode = "hybrid",
        as_of: date | None = None,
    ) -> SearchResult:
        """Ranked chunks for `query` from the current generation."""
        _check_top_k(top_k)
        started = time.perf_counter()
        with self.lease() as generation:
            hits = generation.retriever.search(query, top_k, filters, mode=mode, as_of=as_of)
            return SearchResult(
                results=[Passage.from_hit(hit) for hit in hits],
                index_version=generation.version,
                took_ms=_ms_since(started),
            )

    def ask(
        self,
        question: str,
        *,
        mode: AnswerMode = "auto",
        top_k: int = 10,
        filters: SearchFilters | None = None,
        as_of: date | None = None,
    ) -> AskResult:
        """An extractive answer with citations, or an abstention, from the top passages.
        Generative answers (and auto mode's LLM call) are service.generative.modes's."""
        _check_top_k(top_k)
        if mode == "generative":
            from service.generative.errors import LLMNotConfiguredError

            if not self.settings.llm_base_url:
                raise LLMNotConfiguredError()
            raise ModeUnavailableError("generative answers go through service.generative.modes")
        started = time.perf_counter()
        with self.lease() as generation:
            hits = generation.retriever.search(question, top_k, filters, as_of=as_of)
            retrieved = Retrieved(tuple(hits), generation.version, as_of, filters)
            return self._read(generation, question, retrieved, started)

    def retrieve(
        self,
        question: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        *,
        as_of: date | None = None,
    ) -> Retrieved:
        """The passages an answer to `question` is read from, before any reading."""
        _check_top_k(top_k)
        with self.lease() as generation:
            hits = generation.retriever.search(question, top_k, filters, as_of=as_of)
            return Retrieved(tuple(hits), generation.version, as_of, filters)

    def read(self, question: str, retrieved: Retrieved) -> AskResult:
        """The extractive answer from passages retrieved already (`retrieve`)."""
        started = time.perf_counter()
        with self.lease() as generation:
            result = self._read(generation, question, retrieved, started)
        return result.model_copy(update={"index_version": retrieved.index_version})

    def _read(
        self,
        generation: ServedGeneration,
        question: str,
        retrieved: Retrieved,
        started: float,
    ) -> AskResult:
        answer, retrieved, bridge = extractive_answer(
            self.reader, generation, question, retrieved, self.settings.abstain_threshold
        )
        return AskResult(
            bridge=bridge,
            answer=answer.text,
            abstained=answer.abstained,
            confidence=min(1.0, max(0.0, answer.confidence)),
            verdict=answer.verdict,
            mode_used="extractive",
            citations=list(answer.citations),
            passages=[Passage.from_hit(hit) for hit in retrieved.hits],
            index_version=generation.version,
            took_ms=_ms_since(started),
            grounded=not answer.abstained,
        )

    def article(self, article_id: str) -> ArticleResult:
        """An article by id, with its canonical copy and the other sources of its story."""
        with self.lease() as generation:
            index = generation.index
            article = index.get_article(article_id)
            if article is None:
                raise ArticleNotFoundError(f"no article with id {article_id!r}")
            canonical = index.canonical_id(article_id)
            duplicate_of = canonical if canonical not in (None, article_id) else None
            alternatives = tuple(
                other
                for other in index.alternative_sources(canonical or article_id)
                if other.id != article_id
            )
            return ArticleResult(
                **ArticleRef.from_article(article).model_dump(),
                author=article.author,
                text=article.text,
                duplicate_of=duplicate_of,
                alternative_sources=[ArticleRef.from_article(a) for a in alternatives],
                index_version=generation.version,
            )


def _check_top_k(top_k: int) -> None:
    if top_k < 1:
        raise InvalidQueryError(f"top_k must be greater than 0. Currently, top_k is {top_k}")


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
