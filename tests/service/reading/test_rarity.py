"""How common a candidate's words are in English (rarity.py), from wordfreq's installed list."""

from __future__ import annotations

import pytest

from service.reading.rarity import rare_words, rarity, word_rarity


def test_generic_words_are_commoner_than_the_specific_ones_that_answer() -> None:
    # "which food": "walnuts" over "products"; every value in 0..1.
    assert 0.0 <= word_rarity("people") < word_rarity("products") < word_rarity("walnuts") < 1.0
    assert word_rarity("the") < 0.1


def test_a_word_no_list_holds_is_as_rare_as_it_gets() -> None:
    assert word_rarity("umoja") == 1.0
    assert rarity("Safiya Umoja") == (
        pytest.approx(word_rarity("safiya")),
        pytest.approx((word_rarity("safiya") + 1.0) / 2),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Climate change", ["climate", "change"]),
        ("don\u2019t panic", ["don't", "panic"]),  # a typographic apostrophe reads as the list's
        ("GPT-4o", ["gpt", "4o"]),
    ],
)
def test_a_candidate_reads_as_its_commonest_word_and_its_mean(text: str, words: list[str]) -> None:
    values = [word_rarity(w) for w in words]
    assert rarity(text) == (pytest.approx(min(values)), pytest.approx(sum(values) / len(values)))


def test_no_words_means_nothing_common() -> None:
    assert rarity("\u2014") == (1.0, 1.0)


def test_the_rare_words_of_a_name_are_those_that_name_one_thing() -> None:
    assert rare_words("quillfeather-7b xq9") == ("quillfeather", "xq9")
    # Common words, short ones ("7b") and bare numbers name nothing in particular.
    assert rare_words("college football national championship 2024 of") == ()
