"""The sentence-transformers embedder: local models only, normalised vectors, honest counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.transformer import SentenceTransformerEmbedder, resolve_model_path
from indexer.protocols import Embedder


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_default_model_resolves_to_packaged_files(name: str) -> None:
    path = Path(resolve_model_path(name))
    assert (path / "config.json").is_file()
    assert (path / "modules.json").is_file()


def test_local_directory_resolves_to_itself(tmp_path: Path) -> None:
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)


@pytest.mark.parametrize("name", ["BAAI/bge-small-en-v1.5", "", "/no/such/model/dir"])
def test_unknown_model_is_refused_without_download(name: str) -> None:
    with pytest.raises(ValueError, match="never downloaded") as info:
        SentenceTransformerEmbedder(name)
    assert repr(name) in str(info.value)


def test_bad_batch_size() -> None:
    with pytest.raises(ValueError, match=r"batch_size must be at least 1\. Currently, it is 0"):
        SentenceTransformerEmbedder(batch_size=0)


@pytest.mark.slow
def test_protocol_and_shape(embedder: SentenceTransformerEmbedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.model_name == "all-MiniLM-L6-v2"
    assert embedder.dimension == 384
    assert embedder.max_seq_length == 256
    assert embedder.max_content_tokens == 254  # [CLS] and [SEP] left out
    vectors = embedder.embed_documents(["one", "two words", "a rather longer third text here"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)
    query = embedder.embed_query("two words")
    assert query.shape == (384,)
    assert query.dtype == np.float32


@pytest.mark.slow
def test_batched_order_matches_one_by_one(embedder: SentenceTransformerEmbedder) -> None:
    # Lengths vary so that length-sorting inside the batch reorders them.
    texts = [
        "The chip maker reported record quarterly revenue driven by data-centre demand " * 3,
        "Rain.",
        "A start-up released an open-weights language model for coding assistants.",
        "Regulators in Brussels opened an inquiry.",
    ] * 5
    batched = embedder.embed_documents(texts)
    singles = np.stack([embedder.embed_query(t) for t in texts[:4]])
    np.testing.assert_allclose(batched[:4], singles, atol=1e-5)
    np.testing.assert_allclose(batched[4:8], singles, atol=1e-5)


@pytest.mark.slow
def test_similar_texts_score_higher(embedder: SentenceTransformerEmbedder) -> None:
    docs = embedder.embed_documents(
        [
            "The semiconductor company's revenue from graphics processors tripled this year.",
            "The football club won the league after a penalty shoot-out in the final.",
        ]
    )
    query = embedder.embed_query("How much money did the GPU maker earn?")
    scores = docs @ query
    assert scores[0] > scores[1] + 0.2


@pytest.mark.slow
def test_count_tokens_excludes_specials_and_never_truncates(
    embedder: SentenceTransformerEmbedder,
) -> None:
    short, long = "Hello there, world.", "token " * 1000
    counts = embedder.count_tokens([short, long])
    assert counts[0] == len(embedder.model.tokenizer(short)["input_ids"]) - 2
    assert counts[1] == 1000  # well past max_seq_length: counted, not cut
    assert embedder.count_tokens([]) == []
    # Counting after `encode` (which truncates) still sees the whole text.
    embedder.embed_documents([long])
    assert embedder.count_tokens([long]) == [1000]


@pytest.mark.slow
def test_token_offsets_point_into_the_text(embedder: SentenceTransformerEmbedder) -> None:
    text = "Caf\u00e9   owners unionised quickly."
    offsets = embedder.token_offsets([text])[0]
    assert len(offsets) == embedder.count_tokens([text])[0]
    pieces = [text[s:e].lower() for s, e in offsets]
    assert pieces[0] == "caf\u00e9"
    assert "".join(pieces) == "".join(text.lower().split())


@pytest.mark.slow
def test_direct_forward_matches_sentence_transformers_encode(
    embedder: SentenceTransformerEmbedder,
) -> None:
    # Lengths from one token to past max_seq_length, so sorting, padding and truncation all matter.
    texts = [
        "Rain.",
        "Who runs the lab that released the new reasoning model?",
        "token " * 400,
        "A chip maker said data-centre demand lifted its quarterly revenue to a record. " * 4,
        *(f"Start-up number {i} raised money for robots." * (1 + i % 4) for i in range(12)),
    ]
    expected = embedder.model.encode(
        texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True
    )
    direct = embedder.embed_documents(texts)  # few texts: the direct path
    assert direct.dtype == np.float32
    np.testing.assert_allclose(direct, expected, atol=1e-5)
    query = embedder.embed_query(texts[1])
    np.testing.assert_allclose(query, expected[1], atol=1e-5)


@pytest.mark.slow
def test_many_texts_still_go_through_encode(embedder: SentenceTransformerEmbedder) -> None:
    texts = [f"Headline {i}: a regulator fined a cloud provider." for i in range(70)]
    many = embedder.embed_documents(texts)
    few = embedder.embed_documents(texts[:5])
    assert many.shape == (70, 384)
    np.testing.assert_allclose(many[:5], few, atol=1e-5)


@pytest.mark.slow
def test_repeated_queries_come_from_a_read_only_cache(
    embedder: SentenceTransformerEmbedder,
) -> None:
    question = "Which company bought the satellite start-up in the spring?"
    first = embedder.embed_query(question)
    again = embedder.embed_query(question)
    assert again is first
    assert not first.flags.writeable  # a caller cannot corrupt what the next caller gets
    other = embedder.embed_query("Which company sold the satellite start-up in the spring?")
    assert other is not first
    assert float(other @ first) < 0.9999
