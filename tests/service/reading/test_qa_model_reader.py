"""QAModelReader plumbing with a tiny, randomly initialised BERT built here (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.reading.factory import build_reader
from service.reading.qa_model_reader import QAModelReader
from tests.service.conftest import article_texts, make_hits

PREFIX = "A headline the chunk leaves out.\n\n"
WORDS = (
    "the a of in on to and by was is who which lab labs company startup led raised million "
    "dollars orbital quist mara harbor robots built ships monday city council new , . ?"
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizer

    root = tmp_path_factory.mktemp("tiny-qa")
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS.split()]))
    tokenizer = BertTokenizer(vocab=str(vocab))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(7)
    model_dir = root / "model"
    BertForQuestionAnswering(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir


PASSAGES = (
    "Orbital Labs, led by Mara Quist, raised 40 million dollars on Monday.",
    "The city council built a new harbor. Robots built ships in the harbor.",
)


def test_returns_a_span_with_exact_article_offsets(tiny_model: Path) -> None:
    reader = QAModelReader(str(tiny_model), abstain_threshold=0.0, max_length=32, stride=8)
    hits = make_hits(*PASSAGES, prefix=PREFIX)
    answer = reader.read("Who led Orbital Labs?", hits)
    assert not answer.abstained
    assert answer.text
    assert 0.0 < answer.confidence < 1.0
    (citation,) = answer.citations
    article = article_texts(hits, PREFIX)[citation.article_id]
    assert article[citation.start : citation.end] == answer.text
    assert answer.text in citation.quote
    assert citation.quote in article
    assert citation.start >= len(PREFIX)


def test_long_passages_are_read_in_overlapping_windows(tiny_model: Path) -> None:
    reader = QAModelReader(str(tiny_model), abstain_threshold=0.0, max_length=24, stride=6)
    long_text = " ".join(PASSAGES * 4)  # far more tokens than one 24-token window holds
    hits = make_hits(long_text, prefix=PREFIX)
    answer = reader.read("Who led Orbital Labs?", hits)
    (citation,) = answer.citations
    assert article_texts(hits, PREFIX)[citation.article_id][citation.start : citation.end] == (
        answer.text
    )


def test_abstains_below_threshold_and_on_no_passages(tiny_model: Path) -> None:
    reader = QAModelReader(str(tiny_model), abstain_threshold=1.0, max_length=32, stride=8)
    answer = reader.read("Who led Orbital Labs?", make_hits(*PASSAGES))
    assert answer.abstained
    assert answer.text is None
    assert 0.0 < answer.confidence < 1.0
    assert reader.read("Who led Orbital Labs?", []).abstained


def test_bad_paths_and_settings_fail_clearly(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nowhere"):
        QAModelReader(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="stride"):
        QAModelReader(str(tiny_model), max_length=32, stride=16)


@pytest.mark.slow
def test_build_reader_picks_the_model_for_a_directory(
    tiny_model: Path, embedder: SentenceTransformerEmbedder
) -> None:
    assert isinstance(build_reader(str(tiny_model), embedder), QAModelReader)
