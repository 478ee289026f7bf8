"""HybridRetriever: fusion, filters, time, de-duplication and MMR over a small in-memory index.

The unit tests use an in-test IndexReader (term-count "bm25", hashed bag-of-words vectors) so
each behaviour is pinned down exactly; the slow tests at the end run the real store and model.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from indexer.errors import IndexMismatchError
from indexer.protocols import Embedder, FloatMatrix, IndexReader
from indexer.types import (
    Article,
    Chunk,
    ChunkRef,
    OutletSummary,
    ScoredChunk,
    ScoredRef,
    SearchFilters,
)
from service.retrieval import search as retrieval
from service.retrieval.fusion import score_fusion
from service.retrieval.question import keyword_query, plain_question
from service.retrieval.search import HybridRetriever, merge_filters
from service.types import InvalidQueryError, RetrievalHit

DIM = 64
_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Hashed bag of words: texts sharing words get similar vectors (deterministic, instant)."""

    model_name = "hash-bow"
    dimension = DIM
    max_seq_length = 512

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(t)) for t in texts]

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        return np.stack([self.embed_query(t) for t in texts])

    def embed_query(self, text: str) -> FloatMatrix:
        vector = np.zeros(DIM, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            vector[zlib.crc32(word.encode()) % DIM] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


@dataclass
class MemoryIndex:
    """An IndexReader over a list of chunks that records what each leg was asked."""

    chunks: list[Chunk]
    embedder: HashEmbedder = field(default_factory=HashEmbedder)
    keyword_calls: list[tuple[str, int, SearchFilters | None]] = field(default_factory=list)
    dense_calls: list[tuple[int, SearchFilters | None]] = field(default_factory=list)
    texts_read: list[str] = field(default_factory=list)  # chunk ids read in full (chunks_at)
    # Optional fixed rankings (chunk ids), to pin down the fusion arithmetic exactly.
    keyword_order: list[str] | None = None
    dense_order: list[str] | None = None

    version = "gen-test"
    embedding_model = "hash-bow"
    dimension = DIM

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)

    @property
    def article_count(self) -> int:
        return len({c.article_id for c in self.chunks})

    def _allowed(self, filters: SearchFilters | None) -> list[Chunk]:
        return [c for c in self.chunks if _matches(c, filters)]

    def keyword_search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        self.keyword_calls.append((query, k, filters))
        allowed = self._allowed(filters)
        if self.keyword_order is not None:
            by_id = {c.id: c for c in allowed}
            ranked = [by_id[i] for i in self.keyword_order if i in by_id]
            return [ScoredChunk(c, 10.0 - n) for n, c in enumerate(ranked)][:k]
        terms = set(_WORD.findall(query.lower()))
        scored = [(sum(w in terms for w in _WORD.findall(c.text.lower())), c) for c in allowed]
        scored = [(s, c) for s, c in scored if s > 0]
        scored.sort(key=lambda sc: (-sc[0], sc[1].id))
        return [ScoredChunk(c, float(s)) for s, c in scored[:k]]

    def dense_search(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        self.dense_calls.append((k, filters))
        allowed = self._allowed(filters)
        if self.dense_order is not None:
            by_id = {c.id: c for c in allowed}
            ranked = [by_id[i] for i in self.dense_order if i in by_id]
            return [ScoredChunk(c, 0.9 - 0.01 * n) for n, c in enumerate(ranked)][:k]
        scored = [(float(self.embedder.embed_query(c.text) @ query_vector), c) for c in allowed]
        scored.sort(key=lambda sc: (-sc[0], sc[1].id))
        return [ScoredChunk(c, s) for s, c in scored[:k]]

    def keyword_refs(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        return [
            ScoredRef(self._ref(h.chunk), h.score) for h in self.keyword_search(query, k, filters)
        ]

    def dense_refs(
        self, query_vector: FloatMatrix, k: int, filters: SearchFilters | None = None
    ) -> list[ScoredRef]:
        hits = self.dense_search(query_vector, k, filters)
        return [ScoredRef(self._ref(h.chunk), h.score) for h in hits]

    def chunks_at(self, refs: Sequence[ChunkRef]) -> list[Chunk]:
        self.texts_read.extend(ref.id for ref in refs)
        return [self.chunks[ref.position] for ref in refs]

    def _ref(self, chunk: Chunk) -> ChunkRef:
        position = self.chunks.index(chunk)
        return ChunkRef(position, chunk.id, chunk.article_id, chunk.source, chunk.published_at)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        by_id = {c.id: c for c in self.chunks}
        return [by_id[i] for i in chunk_ids if i in by_id]

    def get_article(self, article_id: str) -> Article | None:
        return None

    def canonical_id(self, article_id: str) -> str | None:
        return article_id

    def alternative_sources(self, article_id: str) -> list[Article]:
        return []

    def sources(self) -> list[str]:
        return sorted({c.source for c in self.chunks if c.source})

    def prepare_for_queries(self) -> None:
        pass

    def outlet_summaries(self) -> list[OutletSummary]:
        return []  # the retriever never asks

    def close(self) -> None:
        pass


def _matches(chunk: Chunk, filters: SearchFilters | None) -> bool:
    if filters is None:
        return True
    if filters.sources and (chunk.source or "").lower() not in {s.lower() for s in filters.sources}:
        return False
    when = chunk.published_at
    if filters.published_after is not None and (when is None or when < filters.published_after):
        return False
    return not (
        filters.published_before is not None and (when is None or when > filters.published_before)
    )


def chunk(
    article: str,
    text: str,
    *,
    ordinal: int = 0,
    published: date | None = None,
    source: str | None = "Wire",
) -> Chunk:
    return Chunk(
        id=f"{article}#{ordinal}",
        article_id=article,
        ordinal=ordinal,
        text=text,
        start=0,
        end=len(text),
        token_count=len(text.split()),
        source=source,
        published_at=published,
    )


def retriever(index: MemoryIndex, **kwargs: object) -> HybridRetriever:
    """A retriever with the plain settings these tests compute by hand, unless overridden."""
    pinned: dict[str, object] = {
        "fusion": "rrf",
        "weights": (1.0, 1.0),
        "time_boost": 0.5,
        "latest_boost": None,
        "recency_prior": 0.0,
        "outlet_boost": 0.0,
        "day_boost": 0.0,
        "year_boost": 0.0,
    }
    return HybridRetriever(index, index.embedder, **{**pinned, **kwargs})  # type: ignore[arg-type]


def test_in_test_doubles_satisfy_the_protocols() -> None:
    index = MemoryIndex([])
    assert isinstance(index, IndexReader)
    assert isinstance(index.embedder, Embedder)


# --------------------------------------------------------------------------- fusion


def _ranked_index() -> MemoryIndex:
    chunks = [chunk(name, f"text of {name}") for name in ("a", "b", "c", "d")]
    return MemoryIndex(
        chunks, keyword_order=["a#0", "b#0", "c#0"], dense_order=["c#0", "d#0", "b#0"]
    )


def test_rrf_hybrid_ranks_agreement_first_and_reports_leg_ranks() -> None:
    hits = retriever(_ranked_index(), rrf_k=60).search("text", 4)
    assert [h.chunk.id for h in hits] == ["c#0", "b#0", "a#0", "d#0"]
    assert [(h.keyword_rank, h.dense_rank) for h in hits] == [(3, 1), (2, 3), (1, None), (None, 2)]
    assert hits[0].score == pytest.approx(1 / 63 + 1 / 61)
    assert hits[2].score == pytest.approx(1 / 61)


def test_score_fusion_uses_normalised_leg_scores() -> None:
    hits = retriever(_ranked_index(), fusion="score", normalisation="minmax").search("text", 4)
    # The keyword leg returned fewer hits than asked for, so it holds every chunk with a query
    # word: d, absent, scored bm25 0. Keyword 10, 9, 8, 0 -> 1, .9, .8, 0; dense .90, .89, .88
    # -> 1, .5, 0, and a, absent from it, takes the leg's floor 0.
    assert {h.chunk.id: round(h.score, 6) for h in hits} == {
        "a#0": 1.0,
        "b#0": 0.9,
        "c#0": 1.8,
        "d#0": 0.5,
    }


def test_default_fusion_is_weighted_zscore() -> None:
    hits = HybridRetriever(_ranked_index(), HashEmbedder()).search("text", 4)
    expected = score_fusion(
        [[("a#0", 10.0), ("b#0", 9.0), ("c#0", 8.0)], [("c#0", 0.9), ("d#0", 0.89), ("b#0", 0.88)]],
        weights=[0.4, 0.6],
        method="zscore",
        complete=[True, False],  # three keyword hits of the 50 asked for: all there are
    )
    assert {h.chunk.id: h.score for h in hits} == pytest.approx(expected)
    # a (keyword 1st only) and c (dense 1st, keyword 3rd) mirror each other; dense weighs more.
    assert [h.chunk.id for h in hits][:2] == ["c#0", "a#0"]


def test_weights_tilt_the_fusion_towards_one_leg() -> None:
    dense_only = retriever(_ranked_index(), weights=(0.0, 1.0)).search("text", 1)
    keyword_only = retriever(_ranked_index(), weights=(1.0, 0.0)).search("text", 1)
    leaning = retriever(_ranked_index(), weights=(1.0, 0.25)).search("text", 4)
    assert dense_only[0].chunk.id == "c#0"
    assert keyword_only[0].chunk.id == "a#0"
    # b: 1/62 + .25/63 > c: 1/63 + .25/61 > a: 1/61 (c led with equal weights).
    assert [h.chunk.id for h in leaning][:3] == ["b#0", "c#0", "a#0"]


def test_single_leg_modes_query_only_that_leg() -> None:
    index = _ranked_index()
    keyword_hits = retriever(index).search("text", 3, mode="keyword")
    assert [h.chunk.id for h in keyword_hits] == ["a#0", "b#0", "c#0"]
    assert all(h.dense_rank is None for h in keyword_hits)
    assert index.dense_calls == []
    index = _ranked_index()
    dense_hits = retriever(index).search("text", 3, mode="dense")
    assert [h.chunk.id for h in dense_hits] == ["c#0", "d#0", "b#0"]
    assert index.keyword_calls == []


def test_hybrid_finds_what_only_one_leg_knows() -> None:
    chunks = [
        chunk("kw", "The Zephyrnet accelerator board ships with 96 GB of memory."),
        chunk("para", "Graphics processors for training large neural networks sold out."),
        chunk("noise", "A bakery in Lyon won a prize for its croissants."),
    ]
    hits = retriever(MemoryIndex(chunks)).search("Which accelerator has 96 GB?", 2)
    assert "kw" in {h.chunk.article_id for h in hits}
    assert all(h.chunk.article_id != "noise" or h.keyword_rank is None for h in hits)


def test_keyword_query_keeps_content_words_only() -> None:
    assert keyword_query("Who is the CEO of OpenAI, according to the report?") == "CEO OpenAI"
    assert keyword_query("What's new in GPT-4.5?") == "s new GPT 4 5"
    assert keyword_query("Who? What?") == ""


def test_a_question_pasted_with_html_is_read_as_its_words() -> None:
    pasted = (
        'Months after <a href="https://example.com/story?id=7">Justice Ada Moreau</a> was named,'
        " who <em>did not</em> vote?<br/>"
    )
    assert plain_question(pasted) == "Months after Justice Ada Moreau was named, who did not vote?"
    assert plain_question("Which models score < 50% on MMLU &amp; HellaSwag?") == (
        "Which models score < 50% on MMLU &amp; HellaSwag?"  # no tags: nothing to undo
    )
    assert plain_question("<b> </b>") == ""


def test_a_question_of_markup_alone_is_refused_with_the_reason() -> None:
    retriever = HybridRetriever(_ranked_index(), HashEmbedder())
    with pytest.raises(InvalidQueryError, match="no words once its HTML tags are removed"):
        retriever.search('<a href="https://example.com/x"></a><br/>', 4)


# --------------------------------------------------------------------------- filters and time


def _dated_index() -> MemoryIndex:
    return MemoryIndex(
        [
            chunk("old", "Nimbus Labs raised funding for chips", published=date(2023, 6, 1)),
            chunk("mid", "Nimbus Labs raised funding for chips again", published=date(2024, 3, 5)),
            chunk("new", "Nimbus Labs raised funding for robots", published=date(2025, 4, 8)),
            chunk("future", "Nimbus Labs raised funding, chips", published=date(2025, 6, 1)),
            chunk("undated", "Nimbus Labs raised seed funding for its chips", published=None),
            chunk("other", "Nimbus Labs raised funding", published=date(2025, 4, 9), source="Desk"),
        ]
    )


def test_filters_reach_both_legs_unchanged() -> None:
    index = _dated_index()
    filters = SearchFilters(sources=("Desk",))
    hits = retriever(index).search("Nimbus Labs funding", 5, filters)
    assert [h.chunk.article_id for h in hits] == ["other"]
    assert index.keyword_calls[0][2] == filters
    assert index.dense_calls[0][1] == filters


def test_explicit_as_of_excludes_later_articles_but_default_today_does_not() -> None:
    index = _dated_index()
    hits = retriever(index).search("Nimbus Labs funding chips", 10, as_of=date(2025, 5, 1))
    assert "future" not in {h.chunk.article_id for h in hits}
    assert index.keyword_calls[0][2] == SearchFilters(published_before=date(2025, 5, 1))
    everything = retriever(_dated_index()).search("Nimbus Labs funding chips", 10)
    assert {"future", "undated"} <= {h.chunk.article_id for h in everything}


def test_explicit_year_in_the_question_filters_both_legs() -> None:
    index = _dated_index()
    hits = retriever(index).search("How much did Nimbus Labs raise in 2024?", 10)
    assert [h.chunk.article_id for h in hits] == ["mid"]
    expected = SearchFilters(published_after=date(2024, 1, 1), published_before=date(2024, 12, 31))
    assert index.keyword_calls[0][2] == expected
    assert index.dense_calls[0][1] == expected
    assert "2024" not in index.keyword_calls[0][0]


def test_period_outside_the_callers_filter_returns_nothing() -> None:
    index = _dated_index()
    filters = SearchFilters(published_after=date(2025, 1, 1))
    assert retriever(index).search("Nimbus Labs in 2023?", 5, filters) == []
    assert index.keyword_calls == [] and index.dense_calls == []


def test_merge_filters_narrows_and_keeps_sources() -> None:
    user = SearchFilters(sources=("CNN",), published_after=date(2024, 2, 1))
    merged = merge_filters(user, (date(2024, 1, 1), date(2024, 12, 31)), date(2024, 6, 30))
    assert merged == SearchFilters(("CNN",), date(2024, 2, 1), date(2024, 6, 30))
    assert merge_filters(None, None, None) == SearchFilters()


def test_this_week_boosts_the_article_in_the_window_and_keeps_undated_ones() -> None:
    as_of = date(2025, 4, 10)
    hits = retriever(_dated_index()).search("Nimbus Labs funding this week", 10, as_of=as_of)
    ids = [h.chunk.article_id for h in hits]
    assert set(ids[:2]) == {"new", "other"}
    assert "undated" not in ids  # an explicit as_of is an exact published_before filter ...
    hits = retriever(_dated_index()).search("Nimbus Labs funding this week", 10)
    ids = [h.chunk.article_id for h in hits]
    assert "undated" in ids  # ... but a boost alone never drops an undated article
    plain = retriever(_dated_index()).search("Nimbus Labs funding", 10)
    undated_score = next(h.score for h in plain if h.chunk.article_id == "undated")
    boosted_undated = next(h.score for h in hits if h.chunk.article_id == "undated")
    assert boosted_undated == pytest.approx(undated_score)


def test_latest_prefers_the_newest_relevant_article() -> None:
    base = retriever(_dated_index(), time_boost=0.0)
    boosted = retriever(_dated_index(), time_boost=2.0)
    question = "What is the latest on Nimbus Labs funding for chips?"
    as_of = date(2025, 5, 1)
    # "other" (9 April) is the newest article not after as_of ("future" is filtered out).
    assert base.search(question, 1, as_of=as_of)[0].chunk.article_id != "other"
    top_two = [h.chunk.article_id for h in boosted.search(question, 2, as_of=as_of)]
    assert top_two == ["other", "new"]


def test_hits_carry_the_resolved_time_frame_and_how_their_dates_fit_it() -> None:
    as_of = date(2025, 4, 10)
    hits = retriever(_dated_index()).search("Nimbus Labs funding this week", 10, as_of=as_of)
    timeframe = hits[0].timeframe
    assert timeframe is not None and timeframe.kind == "window" and timeframe.anchored
    assert timeframe.window == (date(2025, 4, 4), date(2025, 4, 10))
    assert all(h.timeframe == timeframe for h in hits)  # one frame per search
    fits = {h.chunk.article_id: h.time_fit for h in hits}
    assert fits["new"] == fits["other"] == 1.0
    assert fits["old"] is not None and 0.0 <= fits["old"] < 1e-6
    # Without the asker's date the frame is measured from today, and says so.
    today = retriever(_dated_index()).search("Nimbus Labs funding this week", 10)
    assert today[0].timeframe is not None and not today[0].timeframe.anchored
    assert next(h for h in today if h.chunk.article_id == "undated").time_fit is None
    plain = retriever(_dated_index()).search("Nimbus Labs funding", 10, as_of=as_of)
    assert all(h.timeframe is None and h.time_fit is None for h in plain)


def test_latest_on_the_hits_is_the_day_of_the_newest_matching_story() -> None:
    hits = retriever(_dated_index()).search(
        "What is the latest on Nimbus Labs funding?", 10, as_of=date(2025, 5, 1)
    )
    timeframe = hits[0].timeframe
    assert timeframe is not None and timeframe.kind == "latest"
    assert timeframe.window == (date(2025, 4, 9), date(2025, 4, 9))  # "other"; "future" is later
    assert {h.chunk.article_id: h.time_fit for h in hits}["other"] == 1.0


def test_the_dense_leg_embeds_the_question_without_its_time_phrase() -> None:
    index = _dated_index()
    asked: list[str] = []

    class Recording(HashEmbedder):
        def embed_query(self, text: str) -> FloatMatrix:
            asked.append(text)
            return super().embed_query(text)

    search = HybridRetriever(index, Recording(), recency_prior=0.0)
    search.search("Which chips did Nimbus Labs fund this week?", 3)
    search.search("What is the name of the model it launched?", 3)
    assert asked == [
        "Which chips did Nimbus Labs fund?",
        "What is the name of the model it launched?",  # an implied time keeps its words
    ]


def test_recency_prior_favours_newer_of_equal_matches() -> None:
    chunks = [
        chunk("a2020", "Orion Robotics opened a plant in Ohio", published=date(2020, 1, 1)),
        chunk("a2024", "Orion Robotics opened a plant in Texas", published=date(2024, 1, 1)),
        chunk("undated", "Orion Robotics opened an office", published=None),
    ]
    order = ["a2020#0", "a2024#0", "undated#0"]
    index = MemoryIndex(chunks, keyword_order=order, dense_order=order)
    flat = retriever(index).search("Orion Robotics plant", 3)
    prior = retriever(index, recency_prior=1.0).search("Orion Robotics plant", 3)
    assert [h.chunk.article_id for h in flat] == ["a2020", "a2024", "undated"]
    assert prior[2].chunk.article_id == "undated"
    assert prior[2].score == pytest.approx(flat[2].score)  # no date, no bonus, no penalty
    # The prior is measured from as_of: a year-old article is near, a four-year-old one far.
    as_of = date(2025, 1, 1)
    flat = retriever(index).search("Orion Robotics plant", 3, as_of=as_of)
    # Two candidates left: the bonus is scaled to their whole spread, so it must be large.
    prior = retriever(index, recency_prior=3.0).search("Orion Robotics plant", 3, as_of=as_of)
    assert [h.chunk.article_id for h in flat] == ["a2020", "a2024"]
    assert [h.chunk.article_id for h in prior] == ["a2024", "a2020"]


def _outlet_index() -> MemoryIndex:
    chunks = [
        chunk("wire", "Helix Motors recalled its sedan", source="Daily Wire Service"),
        chunk("verge", "Helix Motors recalled a sedan", source="The Verge"),
        chunk("crunch", "Helix Motors sedan recall", source="TechCrunch"),
        chunk("nosource", "Helix Motors recall of sedans", source=None),
    ]
    order = ["wire#0", "verge#0", "crunch#0", "nosource#0"]
    return MemoryIndex(chunks, keyword_order=order, dense_order=order)


def test_outlet_named_in_the_question_lifts_its_articles() -> None:
    plain = retriever(_outlet_index()).search("Why did Helix Motors recall the sedan?", 4)
    named = retriever(_outlet_index(), outlet_boost=0.5).search(
        "Did The Verge and TechCrunch agree on why Helix Motors recalled the sedan?", 4
    )
    assert [h.chunk.article_id for h in plain] == ["wire", "verge", "crunch", "nosource"]
    assert [h.chunk.article_id for h in named] == ["verge", "crunch", "wire", "nosource"]
    before = {h.chunk.id: h.score for h in plain}
    after = {h.chunk.id: h.score for h in named}
    for key in ("wire#0", "nosource#0"):  # not named, or no outlet: no bonus, no penalty
        assert after[key] == pytest.approx(before[key])


def test_outlet_names_match_as_written_and_not_inside_words() -> None:
    boosted = retriever(_outlet_index(), outlet_boost=0.5)
    for question in ("Did the verge of a recall hit Helix Motors?", "Helix Motors TechCrunchy"):
        hits = boosted.search(question, 4)
        assert [h.chunk.article_id for h in hits] == ["wire", "verge", "crunch", "nosource"]


def test_day_named_in_the_question_lifts_articles_from_about_that_day() -> None:
    chunks = [
        chunk("june", "Helix Motors widened the recall", published=date(2024, 6, 2)),
        chunk("march", "Helix Motors began a recall", published=date(2024, 3, 4)),
        chunk("march-later", "Helix Motors explained the recall", published=date(2024, 3, 20)),
        chunk("undated", "Helix Motors and its recall", published=None),
    ]
    order = ["june#0", "undated#0", "march-later#0", "march#0"]
    index = MemoryIndex(chunks, keyword_order=order, dense_order=order)
    question = "What did Helix Motors say on March 3, 2024 about the recall?"
    hits = retriever(index, day_boost=1.0).search(question, 4)
    assert hits[0].chunk.article_id == "march"
    plain = {h.chunk.id: h.score for h in retriever(index).search(question, 4)}
    boosted = {h.chunk.id: h.score for h in hits}
    # The bonus fades with distance from the day (halving every 3 days by default).
    gains = {key: boosted[key] - plain[key] for key in plain}
    assert gains["march#0"] > gains["march-later#0"] > gains["june#0"] >= 0
    assert gains["undated#0"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- duplicates and MMR


def test_near_identical_texts_of_different_articles_collapse_to_the_best_ranked() -> None:
    story = "Vega AI cut prices of its API by half on Monday, the company said in a statement."
    chunks = [
        chunk("wire1", story, published=date(2025, 1, 2)),
        chunk("wire2", story.replace("Monday", "Monday,"), published=date(2025, 1, 2)),
        chunk("wire3", story.upper(), published=date(2025, 1, 2)),
        chunk("own", story, ordinal=0, published=date(2025, 1, 2)),
        chunk("own", story + " Shares rose.", ordinal=1, published=date(2025, 1, 2)),
        chunk("other", "Vega AI hired a new chief scientist from a rival lab."),
    ]
    index = MemoryIndex(chunks)
    hits = retriever(index).search("Vega AI API prices", 10)
    ids = [h.chunk.id for h in hits]
    copies = [i for i in ids if i.split("#")[0] in {"wire1", "wire2", "wire3", "own"}]
    # One of the four identical stories survives; the same article's overlapping chunk stays.
    survivor = copies[0].split("#")[0]
    assert all(i.split("#")[0] == survivor or i == "own#1" for i in copies)
    assert "own#1" in ids and "other#0" in ids


def test_collapsing_over_fetches_so_top_k_results_remain() -> None:
    story = "Lumen Corp announced a merger with Halo Inc in a deal worth two billion dollars."
    chunks = [chunk(f"dup{i}", story) for i in range(12)]
    chunks += [chunk(f"distinct{i}", f"Lumen Corp merger note {i} {'x' * i}") for i in range(4)]
    order = [c.id for c in chunks]  # every copy outranks every distinct text on both legs
    index = MemoryIndex(chunks, keyword_order=order, dense_order=order)
    hits = retriever(index, candidates=4).search("Lumen Corp merger", 5)
    assert len(hits) == 5
    assert len({h.chunk.text for h in hits}) == 5
    assert len(index.keyword_calls) > 1  # fetched again, deeper


def test_only_the_chunks_that_survive_fusion_are_read_in_full() -> None:
    chunks = [chunk(f"story{i}", f"Lumen Corp merger note number {i}") for i in range(40)]
    index = MemoryIndex(chunks)
    hits = retriever(index).search("Lumen Corp merger", 3)
    assert len(hits) == 3
    # Both legs ranked all 40; the top three and a short read-ahead were read, once each.
    assert len(index.texts_read) == len(set(index.texts_read)) <= 3 + retrieval._READ_AHEAD
    assert {h.chunk.id for h in hits} <= set(index.texts_read)


def test_reading_goes_deeper_where_copies_are_dropped() -> None:
    story = "Lumen Corp announced a merger with Halo Inc in a deal worth two billion dollars."
    chunks = [chunk(f"dup{i}", story) for i in range(10)]
    chunks += [chunk(f"distinct{i}", f"Lumen Corp merger note {i} {'x' * i}") for i in range(4)]
    order = [c.id for c in chunks]
    index = MemoryIndex(chunks, keyword_order=order, dense_order=order)
    hits = retriever(index).search("Lumen Corp merger", 3)
    assert [h.chunk.id for h in hits] == ["dup0#0", "distinct0#0", "distinct1#0"]
    assert len(index.texts_read) == len(set(index.texts_read)) > 3 + retrieval._READ_AHEAD


def test_mmr_trades_a_second_copy_of_a_story_for_a_different_one() -> None:
    chunks = [
        chunk("s1", "Atlas model beats rivals on math benchmark, lab says", ordinal=0),
        chunk("s1", "Atlas model beats rivals on math benchmark, lab says again", ordinal=1),
        chunk("s2", "Atlas model pricing announced for enterprise buyers"),
    ]
    index = MemoryIndex(chunks, keyword_order=["s1#0", "s1#1", "s2#0"])
    index.dense_order = ["s1#0", "s1#1", "s2#0"]
    plain = retriever(index).search("Atlas model math benchmark", 2)
    diverse = retriever(index, mmr_lambda=0.3).search("Atlas model math benchmark", 2)
    assert [h.chunk.id for h in plain] == ["s1#0", "s1#1"]
    assert [h.chunk.id for h in diverse] == ["s1#0", "s2#0"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fusion": "max"}, "fusion must be"),
        ({"rrf_k": 0}, "rrf_k is 0"),
        ({"mmr_lambda": 1.5}, "mmr_lambda"),
        ({"candidates": 0}, "candidates"),
        ({"weights": (1.0, -1.0)}, "weights"),
        ({"outlet_boost": -0.1}, "must not be negative"),
        ({"day_boost": -1.0}, "must not be negative"),
        ({"day_decay_days": 0.0}, "must be positive"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        retriever(MemoryIndex([]), **kwargs)


def test_embedder_of_another_dimension_is_refused() -> None:
    index = MemoryIndex([])
    index.dimension = DIM * 2  # type: ignore[misc]
    with pytest.raises(IndexMismatchError, match="128"):
        HybridRetriever(index, HashEmbedder())


@pytest.mark.parametrize(
    ("query", "top_k", "mode", "message"),
    [("q", 0, "hybrid", "top_k is 0"), ("  ", 3, "hybrid", "empty"), ("q", 3, "both", "mode")],
)
def test_bad_search_arguments_are_clear_errors(
    query: str, top_k: int, mode: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        retriever(_ranked_index()).search(query, top_k, mode=mode)  # type: ignore[arg-type]


def test_question_of_stopwords_only_still_gets_dense_hits() -> None:
    hits = retriever(_dated_index()).search("What is it?", 3)
    assert len(hits) == 3 and all(h.keyword_rank is None for h in hits)


# --------------------------------------------------------------------------- real store and model


@pytest.fixture(scope="module")
def real_retriever(small_index: Path) -> Iterator[HybridRetriever]:
    """The real store of `small_index` and the real model, opened once for these tests."""
    from indexer.embedding.transformer import load_embedder
    from indexer.store.reader import open_index

    embedder = load_embedder("all-MiniLM-L6-v2", batch_size=16)
    index = open_index(small_index, expected_model=embedder.model_name)
    yield HybridRetriever(index, embedder)
    index.close()


def _articles(hits: Sequence[RetrievalHit]) -> list[str]:
    return list(dict.fromkeys(h.chunk.article_id for h in hits))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
def test_real_index_each_mode_finds_the_story(real_retriever: HybridRetriever, mode: str) -> None:
    hits = real_retriever.search(
        "Which company cools its data center with water from a lake?", 5, mode=mode
    )
    assert _articles(hits)[0] == "glacier-datacenter"
    if mode == "hybrid":
        assert hits[0].keyword_rank is not None and hits[0].dense_rank is not None


@pytest.mark.slow
def test_real_index_hybrid_finds_a_paraphrase_without_shared_words(
    real_retriever: HybridRetriever,
) -> None:
    hits = real_retriever.search("startup funding for voice recognition silicon", 3)
    assert _articles(hits)[0] == "brightwater-funding"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
def test_real_index_source_filter_is_exact_on_every_leg(
    real_retriever: HybridRetriever, mode: str
) -> None:
    filters = SearchFilters(sources=("the open ledger",))
    hits = real_retriever.search("open model weights benchmark", 10, filters, mode=mode)
    assert hits, "the filtered source has matching chunks on every leg"
    assert {h.chunk.source for h in hits} == {"The Open Ledger"}


@pytest.mark.slow
def test_real_index_outlet_named_in_the_question_ranks_its_article_first(
    real_retriever: HybridRetriever,
) -> None:
    question = "What did {} report about AI models?"
    named = real_retriever.search(question.format("The Open Ledger"), 10)
    assert named[0].chunk.source == "The Open Ledger"
    other = real_retriever.search(question.format("Example Wire"), 10)
    assert other[0].chunk.source == "Example Wire"  # without the boost, neither comes first


@pytest.mark.slow
def test_real_index_as_of_hides_later_and_undated_articles(
    real_retriever: HybridRetriever,
) -> None:
    hits = real_retriever.search("new AI model released", 20, as_of=date(2026, 1, 31))
    dates = {h.chunk.published_at for h in hits}
    assert hits and None not in dates
    assert all(d is not None and d <= date(2026, 1, 31) for d in dates)
    assert set(_articles(hits)) == {"orbital-kestrel", "meridian-translation"}


@pytest.mark.slow
def test_real_index_year_in_question_filters(real_retriever: HybridRetriever) -> None:
    hits = real_retriever.search("Which model was released in 2025?", 10)
    assert _articles(hits) == ["meridian-translation"]


@pytest.mark.slow
def test_real_index_this_week_lifts_the_weeks_story(small_index: Path) -> None:
    from indexer.embedding.transformer import load_embedder
    from indexer.store.reader import open_index

    embedder = load_embedder("all-MiniLM-L6-v2", batch_size=16)
    with open_index(small_index) as index:
        question = "Which AI results were announced this week?"
        as_of = date(2026, 4, 16)  # two days after the benchmark story
        plain = HybridRetriever(index, embedder, time_boost=0.0).search(question, 10, as_of=as_of)
        boosted = HybridRetriever(index, embedder).search(question, 10, as_of=as_of)
    before = {h.chunk.id: h.score for h in plain}
    after = {h.chunk.id: h.score for h in boosted}
    assert _articles(boosted)[0] == "sable-benchmark"
    for hit in boosted:
        if hit.chunk.article_id == "sable-benchmark":  # published inside the week
            assert after[hit.chunk.id] > before[hit.chunk.id]
        elif hit.chunk.article_id == "meridian-translation":  # five months earlier
            assert after[hit.chunk.id] == pytest.approx(before[hit.chunk.id], rel=1e-3)
