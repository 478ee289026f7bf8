"""Sentence analysis stored at index time: what it finds, and its stored form."""

from __future__ import annotations

import pytest

from indexer.text.analysis import (
    SentenceAnalysis,
    SentenceAnalyzer,
    SentenceTags,
    decode,
    encode,
)
from indexer.text.sentences import split_sentences

TEXT = (
    "Priya Raman joined Nimbus Robotics in Toronto on 3 May 2024. She will build warehouse "
    "robots for $2 million.\n\nThe board, led by Omar Haddad, approved the plan."
)


def test_encode_and_decode_round_trip() -> None:
    analyses = [
        SentenceAnalysis(0, 20, SentenceTags(((0, 5, "PERSON"),), ((7, 12),), frozenset({0, 7}))),
        SentenceAnalysis(21, 21, SentenceTags((), (), frozenset())),
    ]
    assert decode(encode(analyses)) == analyses


@pytest.mark.parametrize(
    "text", ["", "{}", "[[1, 2]]", '[["a", 2, [], [], []]]', "[[1,2,[[1]],[],[]]]"]
)
def test_decode_refuses_what_encode_did_not_write(text: str) -> None:
    with pytest.raises(ValueError, match="not a stored sentence analysis"):
        decode(text)


@pytest.mark.slow
def test_analyse_splits_as_the_reader_does_and_tags_each_sentence(
    analyzer: SentenceAnalyzer,
) -> None:
    (analyses,) = analyzer.analyse([TEXT])
    assert [(a.start, a.end) for a in analyses] == split_sentences(TEXT)
    found: dict[str, str] = {}
    for analysis in analyses:
        sentence = TEXT[analysis.start : analysis.end]
        for start, end, label in analysis.tags.entities:
            found[sentence[start:end]] = label
        nouns = {sentence[s:e] for s, e in analysis.tags.noun_phrases}
        if "robots" in sentence:
            assert {"robots", "warehouse robots"} <= nouns
        for start in analysis.tags.proper_starts:
            assert sentence[start].isupper()
    assert found["Priya Raman"] == "PERSON" and found["Omar Haddad"] == "PERSON"
    assert found["Toronto"] == "GPE" and found["$2 million"] == "MONEY"
    # Tagged alone, a sentence gets what it gets inside its chunk: each is tagged on its own.
    second = TEXT[analyses[1].start : analyses[1].end]
    assert analyzer.tag([second]) == [analyses[1].tags]
    assert analyzer.name.startswith("en_core_web_sm") and "format-" in analyzer.name
