"""The built-in extractive reader: best sentences, then the best typed span in them.

1. Every sentence of the top passages is scored by weighted keyword overlap, passage rank and
   dense similarity to the question (sentences.py).
2. Every span of the best sentences that could answer becomes a candidate: the tagger's entities
   and noun phrases, the patterns' names, amounts and dates, and their parts and joins
   (candidates.py). Each is described by features: type fit, closeness to the question's words
   and to the noun it asks about, whether its sentence names what the question is about, role
   patterns, support across articles, how it was found.
3. A ranker fitted on dev questions (calibration.json) picks the answer; a calibrated model of
   its score gives the confidence, and below the threshold we abstain.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date

import numpy as np

from indexer.lru import LockedLRU
from indexer.protocols import Embedder, FloatMatrix
from service.reading.answer_types import AnswerType
from service.reading.asked import Asked, read_question
from service.reading.calibration import Calibration, load_calibration
from service.reading.candidates import candidate_spans
from service.reading.citations import mention_citations
from service.reading.context import (
    Candidate,
    Meaning,
    SentenceContext,
    count_support,
    prefer,
    rare_focus_nowhere,
)
from service.reading.defined import description_spans
from service.reading.features import (
    SentenceWords,
    capitalised,
    head_near,
    near_terms,
    proximity,
    quoted,
    repeated_words,
    role_bonus,
)
from service.reading.fit import answer_fit
from service.reading.owners import amount_owner
from service.reading.people import name_words, person_or_name
from service.reading.places import level_features, load_gazetteer
from service.reading.promotions import promoted
from service.reading.rarity import load_word_frequencies, rarity
from service.reading.sentences import ReadSentence, keyword_scores, sentences_of
from service.reading.spans import NUMERIC, PROPER, Span, Tagged, with_unit
from service.reading.tagging import EntityTagger, load_entity_tagger, to_tagged
from service.reading.terms import candidate_key
from service.reading.timing import date_fit, recency, staleness
from service.reading.topic import TopicReading, decide_topic, describes_entity, read_topic
from service.reading.verdict import decide, yes_no_question
from service.reading.word_vectors import WordVectors
from service.types import Answer, OutletsNamed, RetrievalHit, SentenceVectors

FEATURES = (
    "dense",  # cosine of the sentence's passage to the question (the dense leg's)
    "keyword",  # idf-weighted share of the question's words in the sentence
    "sentence_rank",  # 1 / (1 + rank of the sentence among those read)
    "hit_rank",  # 1 / (1 + rank of the passage)
    "type_fit",
    "proximity",
    "role",
    "support",  # log1p(other articles that mention the candidate too)
    "mentions",  # log1p(times the candidate occurs in the sentences read)
    "overlap",  # share of the candidate's words already in the question
    "ner_fit",  # type_fit where the NER model typed the span, else 0
    "length",  # words, capped at 6, over 6
    "near_terms",  # share of the question's words within six words of the candidate
    "head_near",  # the noun the question asks about is next to it ("the automaker Toyota")
    "focus",  # share of the question's named entities in the candidate's sentence
    "focus_passage",  # ... in the candidate's passage
    "capitalised",  # share of the candidate's words that are capitalised
    "quoted",
    "opens",  # the candidate opens its sentence (its subject, in news style)
    "in_title",  # the passage's title names the candidate
    "position",  # 1 / (1 + the sentence's place in its passage)
    "part",  # a part of a longer span ("Twitter" of "Twitter users")
    "qualifier",  # a number without its qualifier ("10,000" of "more than 10,000")
    "named",  # a name introduced as one: "called X", a versioned name, an acronym's expansion
    "join",  # two names joined by "and"
    "opener",  # capitalised only because it opens its sentence, and tagged as no name
    "date_fit",  # the article is from the period the question's time words mean (timing.py)
    "numeric_question",  # the question asks for a number, an amount or a share
    "proper",  # the candidate is a name (person, organisation, place, other)
    "head_sim",  # word-vector cosine of the candidate to the noun the question asks about
    "soft",  # how near the sentence's words come to each question word, in word vectors
    "echo",  # the candidate restates the question: its names' initials, a demonym (echoes.py)
    "level_match",  # a place known at the level the question asks for: country, state (places.py)
    "level_clash",  # a place known only at other levels: a capital where a country is asked
    "rarity_min",  # how rare in English the candidate's commonest word is (rarity.py)
    "rarity_mean",  # ... its words on average
    "recency",  # how much older its article is than the newest read (timing.py)
    "stale",  # log1p(days the article is older than the asker's as_of) / 8 (timing.py)
    "dated",  # the as_of goes back in time and the article has a date: "stale" means something
    "rare_focus_missing",  # share of the rare words of the question's names its passage lacks
    "names_kind",  # a name holding the noun asked about: "University of X" for "which university"
)
# Sentence vectors kept between questions: popular passages come back again and again, and
# embedding sentences is most of a read's cost. 4096 x 384 float32 is about 6 MB.
SENTENCE_CACHE_SIZE = 4096
_NAMED_ORIGINS = frozenset({"introduced", "versioned", "expansion", "odd"})


class ExtractiveReader:
    """Answers with an exact span of a passage, or abstains when not confident enough."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        abstain_threshold: float = 0.27,
        calibration: Calibration | None = None,
        tagger: EntityTagger | bool | None = True,
        max_passages: int = 8,
        max_sentences: int = 10,  # scored fully (dense, keyword, rank) after a keyword pre-sort
        # Whose spans become candidates. All ten: the answer is in sentences 6-10 for 3.5% of
        # the RealTime QA tuning questions, and the ranker keeps the extra ones from winning
        # (docs/retrieval.md, "Sentences read").
        read_sentences: int = 10,
        sentence_vectors: SentenceVectors = "passage",
        word_vectors: WordVectors | None = None,
    ) -> None:
        if not 0.0 <= abstain_threshold <= 1.0:
            raise ValueError(f"abstain_threshold must be in 0..1, got {abstain_threshold}")
        if sentence_vectors not in ("passage", "transformer"):
            raise ValueError(
                f"sentence_vectors must be 'passage' or 'transformer', got {sentence_vectors!r}"
            )
        if max_passages < 1 or max_sentences < 1 or read_sentences < 1:
            raise ValueError(
                "max_passages, max_sentences and read_sentences must be >= 1, got "
                f"{max_passages}, {max_sentences}, {read_sentences}"
            )
        self._embedder = embedder
        self._sentence_vectors = sentence_vectors
        self.abstain_threshold = abstain_threshold
        self.calibration = calibration if calibration is not None else load_calibration()
        # True: load spaCy's NER if installed; False/None: patterns only.
        self._tagger = load_entity_tagger() if tagger is True else (tagger or None)
        self._max_passages = max_passages
        self._max_sentences = max_sentences
        self._read_sentences = read_sentences
        self._vectors: LockedLRU[str, FloatMatrix] = LockedLRU(SENTENCE_CACHE_SIZE)
        self._words = word_vectors
        # Once per process (~0.2 s and ~0.3 s), at start-up rather than in a request.
        load_gazetteer()
        load_word_frequencies()

    def with_calibration(self, calibration: Calibration) -> ExtractiveReader:
        """The same reader (models, tagger, caches shared) with other fitted parameters."""
        other = copy.copy(self)
        other.calibration = calibration
        return other

    def read(
        self,
        question: str,
        hits: Sequence[RetrievalHit],
        *,
        as_of: date | None = None,
        newest_indexed: date | None = None,
        outlets: OutletsNamed | None = None,
    ) -> Answer:
        """A verdict for a yes/no question; the best span; for a question that describes its
        answer through several named outlets' reports, the subject their articles share
        (topic.py) where it is likelier right than the span; else an abstention."""
        yes_no = yes_no_question(question)
        if yes_no is not None:
            return decide(yes_no, hits, self.calibration, self.abstain_threshold, outlets)
        asked = read_question(question, as_of, newest_indexed)
        named = outlets(question) if outlets is not None else frozenset()
        span = self.answer_from(self.candidates(asked, hits))
        if describes_entity(question, named):
            shared = decide_topic(
                self.topic(asked, hits, named), self.calibration, self.abstain_threshold
            )
            # Each confidence is calibrated for its kind: the likelier answer wins.
            if not shared.abstained and (span.abstained or shared.confidence > span.confidence):
                return shared
        return span

    def topic(
        self, question: str | Asked, hits: Sequence[RetrievalHit], outlets_named: frozenset[str]
    ) -> TopicReading | None:
        """The name the retrieved articles share, of the kind the question asks for."""
        asked = question if isinstance(question, Asked) else read_question(question)
        return read_topic(
            asked, hits, outlets_named, self._tags, use_stored=self._tagger is not None
        )

    def answer_from(self, candidates: Sequence[Candidate]) -> Answer:
        """The answer for ranked candidates: the best one, or an abstention."""
        if not candidates:
            return Answer(text=None, abstained=True, confidence=0.0)
        best = candidates[0]
        second = candidates[1].score if len(candidates) > 1 else None
        confidence = self.calibration.confidence(best.score, second, best.features)
        if confidence < self.abstain_threshold:
            return Answer(text=None, abstained=True, confidence=confidence)
        citations = mention_citations(best.articles.values())
        return Answer(
            text=best.span.text, abstained=False, confidence=confidence, citations=citations
        )

    def candidates(self, question: str | Asked, hits: Sequence[RetrievalHit]) -> list[Candidate]:
        """Every candidate answer, best first, with its features and ranker score."""
        asked = question if isinstance(question, Asked) else read_question(question)
        sentences = self.select_sentences(asked, hits)
        if not sentences:
            return []
        read = sentences[: self._read_sentences]
        tags = self._tags(read)
        by_key: dict[str, Candidate] = {}
        meaning = Meaning(self._words, asked)
        newest = max((d for s in read if (d := s.chunk.published_at)), default=None)
        nowhere = rare_focus_nowhere(read, asked.rare_focus)
        spans_of = [
            self._spans(asked, sentence.text, tags[rank]) for rank, sentence in enumerate(read)
        ]
        people = name_words(span for spans in spans_of for span in spans)
        spans_of = [[person_or_name(span, people) for span in spans] for spans in spans_of]
        meaning.prefetch(
            [s.text for s in read], [span.text for spans in spans_of for span in spans]
        )
        for rank, (sentence, spans) in enumerate(zip(read, spans_of, strict=True)):
            words = SentenceWords(sentence.text)
            context = SentenceContext(sentence, rank, words, asked)
            published = sentence.chunk.published_at
            context.shared["date_fit"] = date_fit(published, asked.timeframe, newest)
            context.shared["recency"] = recency(published, newest)
            age = staleness(published, asked.asked_then)
            context.shared["stale"], context.shared["dated"] = age
            context.shared["soft"] = meaning.soft(sentence.text)
            context.shared["rare_focus_nowhere"] = nowhere
            context.meaning = meaning
            context.tagged = tags[rank]
            for span in spans:
                self._add(by_key, asked, context, span)
        count_support(by_key, sentences)
        ranked = list(by_key.values())
        scores = self.calibration.rank_scores([c.features for c in ranked])
        for candidate, score in zip(ranked, scores, strict=True):
            candidate.score = score
        ranked.sort(key=lambda c: c.score, reverse=True)
        return promoted(ranked, asked)

    @staticmethod
    def _spans(asked: Asked, text: str, tags: Tagged | None) -> list[Span]:
        """A sentence's candidate spans, a number's with its unit where one is asked for, and the
        descriptions it gives a name the question asks what it is."""
        spans = candidate_spans(text, tags, asked.acronyms, lists=asked.several > 0 or asked.plural)
        if asked.expected == AnswerType.NUMBER and not asked.counts:
            return [with_unit(text, span, asked.text, asked.words) for span in spans]
        return [*description_spans(text, asked.defines), *spans] if asked.defines else list(spans)

    def _add(
        self, by_key: dict[str, Candidate], asked: Asked, context: SentenceContext, span: Span
    ) -> None:
        overlap, names_kind = repeated_words(span, asked.words, asked.head, asked.text)
        key = candidate_key(span.text)
        fit = answer_fit(asked, span, context.sentence.text)
        if overlap >= 1.0 or not key or fit == 0.0:
            return  # never what the question already says, nor a date where a name is asked
        sentence, text = context.sentence, context.sentence.text
        features = dict(context.shared)
        features.update(
            type_fit=fit,
            proximity=proximity(text, span, asked.terms, context.words),
            role=role_bonus(text, span) if asked.asks_role else 0.0,
            overlap=overlap,
            ner_fit=fit if span.from_ner else 0.0,
            length=min(len(span.text.split()), 6) / 6,
            near_terms=near_terms(context.words, span, asked.terms),
            head_near=head_near(context.words, span, asked.head),
            capitalised=capitalised(span.text),
            quoted=quoted(text, span),
            opens=1.0 if not text[: span.start].strip(" \"'\u201c\u2018([-") else 0.0,
            in_title=1.0 if key in context.title else 0.0,
            part=1.0 if span.origin == "part" else 0.0,
            qualifier=1.0 if span.origin == "qualifier" else 0.0,
            named=1.0 if span.origin in _NAMED_ORIGINS else 0.0,
            join=1.0 if span.origin == "join" else 0.0,
            opener=1.0 if span.origin == "opener" else 0.0,
            proper=1.0 if span.kind in PROPER else 0.0,
            head_sim=context.meaning.head_similarity(span.text) if context.meaning else 0.0,
            echo=1.0 if key in asked.echoes else 0.0,
            names_kind=names_kind,
        )
        features["level_match"], features["level_clash"] = level_features(
            asked.place_level, span.text
        )
        features["rarity_min"], features["rarity_mean"] = rarity(span.text)
        old = by_key.get(key)
        if old is None or prefer(features, old.features):
            owner = None
            if span.kind in NUMERIC and asked.expected in NUMERIC:
                owner = amount_owner(text, span.start, span.end, context.tagged, context.name_runs)
            by_key[key] = Candidate(key, span, sentence, features, owner=owner)

    def _tags(self, sentences: Sequence[ReadSentence]) -> list[Tagged | None]:
        """Each sentence's tags: stored in the index, else tagged now (None: no tagger)."""
        out: list[Tagged | None] = [
            None if s.stored is None else to_tagged(s.text, s.stored) for s in sentences
        ]
        untagged = [i for i, s in enumerate(sentences) if s.stored is None]
        if untagged and self._tagger is not None:
            fresh = self._tagger.tag([sentences[i].text for i in untagged])
            for i, tagged in zip(untagged, fresh, strict=True):
                out[i] = tagged
        return out

    def select_sentences(
        self, question: str | Asked, hits: Sequence[RetrievalHit]
    ) -> list[ReadSentence]:
        """The best sentences of the top passages for a question, best first."""
        asked = question if isinstance(question, Asked) else read_question(question)
        sentences = [
            sentence
            for rank, hit in enumerate(hits[: self._max_passages])
            for sentence in sentences_of(rank, hit.chunk, use_stored=self._tagger is not None)
        ]
        if not sentences:
            return []
        keyword_scores(asked.terms, sentences)
        # Only the best few by words and rank go on (and are embedded, for "transformer").
        sentences.sort(key=lambda s: s.keyword + 0.2 / (1 + s.hit_rank), reverse=True)
        sentences = sentences[: self._max_sentences]
        passage_cosines = self._passage_similarities(hits, sentences)
        for sentence, similarity, passage_cosine in zip(
            sentences,
            self._similarities(asked.text, hits, sentences, passage_cosines),
            passage_cosines,
            strict=True,
        ):
            sentence.dense = similarity
            sentence.passage_dense = passage_cosine
            sentence.score = (
                0.6 * sentence.dense + 0.4 * sentence.keyword + 0.1 / (1 + sentence.hit_rank)
            )
        sentences.sort(key=lambda s: s.score, reverse=True)
        return sentences

    def _similarities(
        self,
        question: str,
        hits: Sequence[RetrievalHit],
        sentences: list[ReadSentence],
        passage_cosines: list[float],
    ) -> list[float]:
        """Dense similarity of each sentence to the question, by `sentence_vectors`."""
        if self._sentence_vectors == "transformer":
            query = self._embedder.embed_query(question)  # (dim,); cached since retrieval
            matrix = self._embed([s.text for s in sentences])  # (n, dim)
            return [float(x) for x in matrix @ query]
        return passage_cosines

    @staticmethod
    def _passage_similarities(
        hits: Sequence[RetrievalHit], sentences: list[ReadSentence]
    ) -> list[float]:
        """Each sentence's passage cosine from the dense leg; a passage the leg did not
        return scores below all it did return."""
        known = [hit.dense_score for hit in hits if hit.dense_score is not None]
        floor = min(known, default=0.0)
        scores = [floor if hit.dense_score is None else hit.dense_score for hit in hits]
        return [scores[s.hit_rank] for s in sentences]

    def _embed(self, texts: list[str]) -> FloatMatrix:
        """Sentence vectors, the cached ones from the cache and the rest in one model call."""
        found = [self._vectors.get(text) for text in texts]
        missing = list(dict.fromkeys(t for t, v in zip(texts, found, strict=True) if v is None))
        if missing:
            fresh = dict(zip(missing, self._embedder.embed_documents(missing), strict=True))
            for text, vector in fresh.items():
                self._vectors.put(text, vector)
            found = [fresh[t] if v is None else v for t, v in zip(texts, found, strict=True)]
        matrix: FloatMatrix = np.stack([v for v in found if v is not None])
        return matrix
