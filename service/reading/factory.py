"""Which reader a deployment uses: the built-in extractive one, or a local QA model."""

from __future__ import annotations

from pathlib import Path

from indexer.protocols import Embedder
from service.reading.reader import ExtractiveReader
from service.reading.tagging import EntityTagger
from service.reading.word_vectors import WordVectors, load_word_vectors
from service.types import Reader, SentenceVectors


def model_word_vectors(model_name: str) -> WordVectors | None:
    """The word-piece table of the embedding model (None, logged, where it has none)."""
    from indexer.embedding.transformer import resolve_model_path

    try:
        folder = resolve_model_path(model_name)
    except ValueError:
        return None
    return load_word_vectors(folder)


def build_reader(
    spec: str,
    embedder: Embedder,
    *,
    abstain_threshold: float = 0.27,
    sentence_vectors: SentenceVectors = "passage",
    tagger: EntityTagger | bool | None = True,
) -> Reader:
    """The reader a spec names: "builtin", or a directory holding a transformers QA model.

    The built-in reader tags with `tagger` where the index stored no sentence analysis (True:
    its own, over spaCy if installed; None or False: patterns only). An engine passes the one
    it owns, so that it decides when spaCy loads and when it goes.
    """
    if spec == "builtin":
        return ExtractiveReader(
            embedder,
            abstain_threshold=abstain_threshold,
            sentence_vectors=sentence_vectors,
            tagger=tagger,
            word_vectors=model_word_vectors(embedder.model_name),
        )
    if Path(spec).is_dir():
        from service.reading.qa_model_reader import QAModelReader  # transformers: load on demand

        return QAModelReader(spec, abstain_threshold=abstain_threshold)
    raise ValueError(
        f"reader must be 'builtin' or a directory holding a question-answering model, got {spec!r}"
    )
