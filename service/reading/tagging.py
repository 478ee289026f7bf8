"""Typed entities and noun phrases of sentences: stored in the index, or tagged by spaCy now."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from indexer.lru import LockedLRU
from indexer.text.analysis import SentenceAnalyzer, SentenceTags, analyzer_installed, load_analyzer
from service.reading.answer_types import AnswerType
from service.reading.spans import NER_LABELS, Span, Tagged


class SentenceTagger(Protocol):
    """What `EntityTagger` needs: raw tags for a batch of sentences (indexer.text.analysis)."""

    def tag(self, sentences: Sequence[str]) -> list[SentenceTags]: ...


def to_tagged(sentence: str, tags: SentenceTags) -> Tagged:
    """Typed spans of one sentence from its raw tags (computed now or stored in the index)."""
    entities = [
        Span(start, end, sentence[start:end], NER_LABELS[label], True)
        for start, end, label in tags.entities
        if label in NER_LABELS
    ]
    nouns = []
    for start, end in tags.noun_phrases:
        text = sentence[start:end]
        # A capitalised "common noun" is often a name the tagger missed ("Crocs"), unless the
        # capital is only the sentence's first letter.
        opens = not sentence[:start].strip(" \"'\u201c\u2018([-")
        kind = AnswerType.NAME if text[:1].isupper() and not opens else AnswerType.THING
        nouns.append(Span(start, end, text, kind))
    return Tagged(entities, nouns, tags.proper_starts)


class EntityTagger:
    """Typed entities and noun phrases of sentences the index holds no analysis for.

    Results are kept for the last `cache_size` sentences: popular passages are read again and
    again, and tagging is deterministic. Callers must treat a `Tagged` as read-only.
    """

    def __init__(self, tagger: SentenceTagger, *, cache_size: int = 4096) -> None:
        self._tagger = tagger
        self._cache: LockedLRU[str, Tagged] = LockedLRU(cache_size)

    def tag(self, sentences: Sequence[str]) -> list[Tagged]:
        """Entities, noun phrases and proper nouns of each sentence, in one batched pass."""
        found = {text: tagged for text in sentences if (tagged := self._cache.get(text))}
        missing = list(dict.fromkeys(text for text in sentences if text not in found))
        if missing:
            for text, tags in zip(missing, self._tagger.tag(missing), strict=True):
                found[text] = to_tagged(text, tags)
                self._cache.put(text, found[text])
        return [found[text] for text in sentences]


class LazyAnalyzer:
    """A spaCy analyzer loaded when a sentence first needs tagging, held by its owner.

    Over an index with stored sentence analysis nothing needs tagging, so the service never
    loads spaCy (about a second and a hundred MB). The engine owns one and drops it on close.
    """

    def __init__(self) -> None:
        self._analyzer: SentenceAnalyzer | None = None
        self._lock = threading.Lock()

    def tag(self, sentences: Sequence[str]) -> list[SentenceTags]:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = load_analyzer()
            analyzer = self._analyzer
        if analyzer is None:  # installed a moment ago, unloadable now: tag nothing, loudly
            raise RuntimeError("the spaCy English model could not be loaded")
        return analyzer.tag(sentences)


def load_entity_tagger() -> EntityTagger | None:
    """A tagger over the NER model of an installed package (never downloaded), or None."""
    return EntityTagger(LazyAnalyzer()) if analyzer_installed() else None
