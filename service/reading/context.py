"""What the candidates of one sentence share, and how many articles back each candidate.

The reader (reader.py) computes these once per sentence or per question: the sentence-level
features every candidate of a sentence carries, the word-vector comparisons to the question's
words and asked noun, and each candidate's support (articles and sentences that mention it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.text.stopwords import READER_STOPWORDS
from indexer.types import Chunk
from service.reading.asked import Asked
from service.reading.features import (
    SentenceWords,
    focus_share,
    focus_with_antecedent,
    missing_share,
)
from service.reading.name_runs import NameRun, name_runs
from service.reading.sentences import ReadSentence
from service.reading.spans import NUMERIC, Span, Tagged
from service.reading.terms import WORD, candidate_key
from service.reading.word_vectors import WordVectors


@dataclass
class Candidate:
    """One distinct answer string with its best occurrence and its features."""

    key: str
    span: Span
    sentence: ReadSentence
    features: dict[str, float]
    articles: dict[str, tuple[ReadSentence, Span]] = field(default_factory=dict)
    score: float = 0.0
    # The name an amount belongs to (owners.py); None for other candidates.
    owner: str | None = None


class SentenceContext:
    """What every candidate of one sentence shares: its sentence-level features."""

    def __init__(self, sentence: ReadSentence, rank: int, words: SentenceWords, asked: Asked):
        self.meaning: Meaning | None = None
        self.tagged: Tagged | None = None  # what the tagger found in the sentence
        self._name_runs: list[NameRun] | None = None
        self.sentence = sentence
        self.words = words
        self.title = candidate_key(sentence.chunk.title or "")
        passage = sentence.chunk.text.lower()
        self.shared = {
            # The passage's cosine, whatever chose the sentence: the ranker was fitted on it,
            # and a sentence's own cosine runs lower (a sentence that refers back to its
            # subject, "The company, led by ...", scores far below its passage).
            "dense": sentence.passage_dense,
            "keyword": sentence.keyword,
            "sentence_rank": 1.0 / (1 + rank),
            "hit_rank": 1.0 / (1 + sentence.hit_rank),
            "support": 0.0,
            "mentions": 0.0,
            "focus": focus_with_antecedent(
                sentence.text, sentence.chunk.text[: sentence.start], asked.focus
            ),
            "focus_passage": focus_share(passage, asked.focus),
            # A rare word of a name the question gives, missing from the passage (its outlet
            # and title count): the passage is about something else ("QwQ-32B" asked, a
            # passage on another model read).
            "rare_focus_missing": _rare_focus_missing(sentence, asked.rare_focus),
            "position": 1.0 / (1 + sentence.position),
            "numeric_question": 1.0 if asked.expected in NUMERIC else 0.0,
            # Not a ranker feature (one value per question): the confidence model's.
            "question_length": math.log1p(len(asked.text.split())) / 4,
        }

    @property
    def name_runs(self) -> list[NameRun]:
        """The sentence's name runs (name_runs.py), found once for all its amounts."""
        if self._name_runs is None:
            self._name_runs = name_runs(self.sentence.text)
        return self._name_runs


def rare_focus_nowhere(sentences: Sequence[ReadSentence], rare: tuple[str, ...]) -> float:
    """Share of the rare words of the question's names that no passage read holds (outlets and
    titles count): 1.0 where the news read never names what is asked about, as with a company
    the corpus never mentions. One value per question, for the confidence model."""
    if not rare:
        return 0.0
    chunks = {s.chunk.id: s.chunk for s in sentences}.values()
    return missing_share(" ".join(named_text(c) for c in chunks), rare)


def _rare_focus_missing(sentence: ReadSentence, rare: tuple[str, ...]) -> float:
    """missing_share over the passage with its outlet and title; most questions name no rare
    word, and then nothing is built."""
    return missing_share(named_text(sentence.chunk), rare) if rare else 0.0


def named_text(chunk: Chunk) -> str:
    """What a passage names, lower-cased: its outlet, title and text."""
    return f"{chunk.source or ''} {chunk.title or ''} {chunk.text}".lower()


class Meaning:
    """Word-vector comparisons for one question (all zero without word vectors)."""

    def __init__(self, words: WordVectors | None, asked: Asked) -> None:
        self._words = words
        self._head = words.phrase(asked.head_text) if words and asked.head_text else None
        terms = [w for w in WORD.findall(asked.text.lower()) if w not in READER_STOPWORDS]
        self._question = words.matrix(terms) if words and terms else None  # (terms, dim)

    def prefetch(self, sentences: Sequence[str], candidates: Sequence[str]) -> None:
        """Looks up, in one call, the word vectors that soft() and head_similarity() will read
        for these sentences and candidates."""
        if self._words is None:
            return
        # soft() reads the sentences' words only where the question has some; head_similarity()
        # the candidates only where the question names a noun it asks about.
        words = (
            [w for t in sentences for w in _content_words(t)] if self._question is not None else []
        )
        phrases = list(candidates) if self._head is not None else []
        if words or phrases:
            self._words.prefetch(words + phrases)

    def head_similarity(self, text: str) -> float:
        if self._words is None or self._head is None:
            return 0.0
        vector = self._words.phrase(text)
        return 0.0 if vector is None else float(vector @ self._head)

    def soft(self, sentence: str) -> float:
        """Mean over the question's words of the best cosine to a word of the sentence."""
        if self._words is None or self._question is None:
            return 0.0
        words = _content_words(sentence)
        if not words:
            return 0.0
        similarity = self._question @ self._words.matrix(words).T  # (terms, words)
        return float(similarity.max(axis=1).mean())


def _content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in READER_STOPWORDS]


def prefer(new: dict[str, float], old: dict[str, float]) -> bool:
    """Of two occurrences of one answer, the one in the better sentence, nearer the question."""
    return (new["sentence_rank"], new["near_terms"], new["proximity"]) > (
        old["sentence_rank"],
        old["near_terms"],
        old["proximity"],
    )


def count_support(by_key: dict[str, Candidate], sentences: Sequence[ReadSentence]) -> None:
    """How many articles, and how many of the sentences, mention each candidate."""
    lowered = [s.text.lower() for s in sentences]
    for candidate in by_key.values():
        best_article = candidate.sentence.chunk.article_id
        candidate.articles = {best_article: (candidate.sentence, candidate.span)}
        mentions = 0
        probe = candidate.span.text.lower()
        for sentence, lower in zip(sentences, lowered, strict=True):
            start = _whole_word_find(lower, probe)  # whole words only: "US" is not in "bus"
            if start < 0:
                continue
            mentions += 1
            article = sentence.chunk.article_id
            if article not in candidate.articles:
                end = start + len(probe)
                span = Span(start, end, sentence.text[start:end], candidate.span.kind)
                candidate.articles[article] = (sentence, span)
        candidate.features["support"] = math.log1p(len(candidate.articles) - 1)
        candidate.features["mentions"] = math.log1p(mentions)


def _whole_word_find(text: str, needle: str) -> int:
    """Where `needle` first occurs in `text` as whole words, or -1."""
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")
        after_ok = end == len(text) or not (text[end].isalnum() or text[end] == "_")
        if before_ok and after_ok:
            return start
        start = text.find(needle, start + 1)
    return -1
