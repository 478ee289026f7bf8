"""The built-in extractive reader: best sentences, then the best typed span in them.

1. Every sentence of the top passages is scored by weighted keyword overlap, passage rank and
   dense similarity to the question: by default its passage's cosine from the dense leg, which
   read as well as embedding each sentence (measured in the README) at none of the ~120 ms.
2. Names, numbers, dates and quoted titles in the best sentences become candidates (spaCy NER
   where installed, patterns always), each described by a few features: type fit, closeness to
   the question's words, role patterns, support across articles.
3. A linear ranker fitted on dev questions (service/calibration.json) picks the answer; a
   calibrated model of its margin gives the confidence, and below the threshold we abstain.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.lru import LockedLRU
from indexer.protocols import Embedder, FloatMatrix
from indexer.text.analysis import SentenceTags, decode
from indexer.text.sentences import split_sentences
from indexer.types import Chunk
from service.reading.answer_types import AnswerType, expected_answer_type
from service.reading.calibration import Calibration, load_calibration
from service.reading.citations import citation_for
from service.reading.features import asks_about_role, proximity, role_bonus, type_fit
from service.reading.spans import Span, Tagged, merge_spans, rule_spans, with_unit
from service.reading.tagging import EntityTagger, load_entity_tagger, to_tagged
from service.reading.terms import content_terms, question_overlap, question_words
from service.types import Answer, RetrievalHit, SentenceVectors

FEATURES = (
    "dense",  # cosine of the sentence (by default: of its passage) to the question
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
)
# Sentence vectors kept between questions: popular passages come back again and again, and
# embedding sentences is most of a read's cost. 4096 x 384 float32 is about 6 MB.
SENTENCE_CACHE_SIZE = 4096

_log = logging.getLogger(__name__)


@dataclass
class _Sentence:
    hit_rank: int
    chunk: Chunk
    start: int  # offsets into chunk.text
    end: int
    stored: SentenceTags | None = None  # the index's tags for this sentence, where it has them
    keyword: float = 0.0
    dense: float = 0.0
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


def _sentences_of(rank: int, chunk: Chunk, *, use_stored: bool) -> list[_Sentence]:
    """A passage's sentences, with the index's tags where it stored a usable analysis.

    A reader built without a tagger ignores stored tags, so that "patterns only" stays that.
    """
    if use_stored and chunk.analysis is not None:
        try:
            analyses = decode(chunk.analysis)
        except ValueError as exc:
            _log.warning("chunk %s: unreadable sentence analysis (%s); tagging", chunk.id, exc)
        else:
            if all(0 <= a.start <= a.end <= len(chunk.text) for a in analyses):
                return [_Sentence(rank, chunk, a.start, a.end, a.tags) for a in analyses]
            _log.warning("chunk %s: sentence analysis does not fit its text; tagging", chunk.id)
    return [_Sentence(rank, chunk, start, end) for start, end in split_sentences(chunk.text)]


@dataclass
class Candidate:
    """One distinct answer string with its best occurrence and its features."""

    key: str
    span: Span
    sentence: _Sentence
    features: dict[str, float]
    articles: dict[str, tuple[_Sentence, Span]] = field(default_factory=dict)
    score: float = 0.0


class ExtractiveReader:
    """Answers with an exact span of a passage, or abstains when not confident enough."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        abstain_threshold: float = 0.2,
        calibration: Calibration | None = None,
        tagger: EntityTagger | bool | None = True,
        max_passages: int = 8,
        max_sentences: int = 8,  # scored fully (dense, keyword, rank) after a keyword pre-sort
        read_sentences: int = 3,  # tagged by spaCy, ~7 ms each; 3 read as well as 6 (README)
        sentence_vectors: SentenceVectors = "passage",
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

    def read(self, question: str, hits: Sequence[RetrievalHit]) -> Answer:
        return self.answer_from(self.candidates(question, hits))

    def answer_from(self, candidates: Sequence[Candidate]) -> Answer:
        """The answer for ranked candidates: the best one, or an abstention."""
        if not candidates:
            return Answer(text=None, abstained=True, confidence=0.0)
        best = candidates[0]
        second = candidates[1].score if len(candidates) > 1 else None
        confidence = self.calibration.confidence(best.score, second, best.features)
        if confidence < self.abstain_threshold:
            return Answer(text=None, abstained=True, confidence=confidence)
        citations = tuple(
            citation_for(
                sentence.chunk,
                sentence.start,
                sentence.end,
                sentence.start + span.start,
                sentence.start + span.end,
            )
            for sentence, span in list(best.articles.values())[:3]
        )
        return Answer(
            text=best.span.text, abstained=False, confidence=confidence, citations=citations
        )

    def candidates(self, question: str, hits: Sequence[RetrievalHit]) -> list[Candidate]:
        """Every candidate answer, best first, with its features and ranker score."""
        sentences = self._select_sentences(question, hits)
        if not sentences:
            return []
        expected = expected_answer_type(question)
        q_terms = content_terms(question)
        read = sentences[: self._read_sentences]
        q_words = question_words(question)
        asks_role = expected in (AnswerType.PERSON, AnswerType.NAME) and asks_about_role(question)
        tags = self._tags(read)
        by_key: dict[str, Candidate] = {}
        for rank, sentence in enumerate(read):
            spans = merge_spans(sentence.text, tags[rank], rule_spans(sentence.text))
            for span in spans:
                if expected == AnswerType.NUMBER:
                    span = with_unit(sentence.text, span, question, q_words)
                self._add(by_key, expected, (q_terms, q_words), asks_role, sentence, rank, span)
        _count_support(by_key, sentences)
        ranked = list(by_key.values())
        for candidate in ranked:
            candidate.score = self.calibration.rank_score(candidate.features)
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked

    def _add(
        self,
        by_key: dict[str, Candidate],
        expected: AnswerType,
        question_sets: tuple[frozenset[str], frozenset[str]],
        asks_role: bool,
        sentence: _Sentence,
        rank: int,
        span: Span,
    ) -> None:
        q_terms, q_words = question_sets
        overlap = question_overlap(span.text, q_words)
        key = candidate_key(span.text)
        fit = type_fit(expected, span.kind, from_ner=span.from_ner)
        if overlap >= 1.0 or not key or fit == 0.0:
            return  # never what the question already says, nor a date where a name is asked
        features = {
            "dense": sentence.dense,
            "keyword": sentence.keyword,
            "sentence_rank": 1.0 / (1 + rank),
            "hit_rank": 1.0 / (1 + sentence.hit_rank),
            "type_fit": fit,
            "proximity": proximity(sentence.text, span, q_terms),
            "role": role_bonus(sentence.text, span) if asks_role else 0.0,
            "support": 0.0,
            "mentions": 0.0,
            "overlap": overlap,
            "ner_fit": fit if span.from_ner else 0.0,
            "length": min(len(span.text.split()), 6) / 6,
        }
        candidate = Candidate(key, span, sentence, features)
        old = by_key.get(key)
        if old is None or self.calibration.rank_score(features) > self.calibration.rank_score(
            old.features
        ):
            by_key[key] = candidate

    def _tags(self, sentences: Sequence[_Sentence]) -> list[Tagged | None]:
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

    def _select_sentences(self, question: str, hits: Sequence[RetrievalHit]) -> list[_Sentence]:
        sentences = [
            sentence
            for rank, hit in enumerate(hits[: self._max_passages])
            for sentence in _sentences_of(rank, hit.chunk, use_stored=self._tagger is not None)
        ]
        if not sentences:
            return []
        _keyword_scores(question, sentences)
        # Only the best few by words and rank go on (and are embedded, for "transformer").
        sentences.sort(key=lambda s: s.keyword + 0.2 / (1 + s.hit_rank), reverse=True)
        sentences = sentences[: self._max_sentences]
        for sentence, similarity in zip(
            sentences, self._similarities(question, hits, sentences), strict=True
        ):
            sentence.dense = similarity
            sentence.score = (
                0.6 * sentence.dense + 0.4 * sentence.keyword + 0.1 / (1 + sentence.hit_rank)
            )
        sentences.sort(key=lambda s: s.score, reverse=True)
        return sentences

    def _similarities(
        self, question: str, hits: Sequence[RetrievalHit], sentences: list[_Sentence]
    ) -> list[float]:
        """Dense similarity of each sentence to the question, by `sentence_vectors`."""
        if self._sentence_vectors == "transformer":
            query = self._embedder.embed_query(question)  # (dim,); cached since retrieval
            matrix = self._embed([s.text for s in sentences])  # (n, dim)
            return [float(x) for x in matrix @ query]
        # A passage the dense leg did not return scored below all it did return.
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


def _keyword_scores(question: str, sentences: list[_Sentence]) -> None:
    """idf-weighted share of the question's words each sentence holds (idf over these sentences)."""
    q_terms = content_terms(question)
    bags = [content_terms(s.text) for s in sentences]
    n = len(sentences)
    weights = {t: math.log((n + 1) / (0.5 + sum(t in bag for bag in bags))) for t in q_terms}
    total = sum(weights.values()) or 1.0
    for sentence, bag in zip(sentences, bags, strict=True):
        sentence.keyword = sum(w for t, w in weights.items() if t in bag) / total


def _count_support(by_key: dict[str, Candidate], sentences: Sequence[_Sentence]) -> None:
    """How many articles, and how many of the sentences, mention each candidate."""
    for candidate in by_key.values():
        # Whole words only: "US" is not in "bus".
        needle = re.compile(rf"(?<!\w){re.escape(candidate.span.text)}(?!\w)", re.IGNORECASE)
        best_article = candidate.sentence.chunk.article_id
        candidate.articles = {best_article: (candidate.sentence, candidate.span)}
        mentions = 0
        for sentence in sentences:
            found = needle.search(sentence.text)
            if found is None:
                continue
            mentions += 1
            article = sentence.chunk.article_id
            if article not in candidate.articles:
                start, end = found.span()
                span = Span(start, end, sentence.text[start:end], candidate.span.kind)
                candidate.articles[article] = (sentence, span)
        candidate.features["support"] = math.log1p(len(candidate.articles) - 1)
        candidate.features["mentions"] = math.log1p(mentions)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s]")


def candidate_key(text: str) -> str:
    """What makes two candidate strings one answer: lower case, punctuation as spaces, no
    articles ("GPT-4o" and "GPT 4o" merge). Eval scores with `eval.metrics`' SQuAD rule."""
    text = _PUNCT.sub(" ", text.lower().replace("\u2019", "'"))
    return " ".join(_ARTICLES.sub(" ", text).split())
