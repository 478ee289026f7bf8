"""Offline tiktoken encodings, checked against tiktoken's own vocabulary hashes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from indexer.text.tokens import (
    EncodingDataError,
    EncodingName,
    encoding_from_file,
    load_encoding,
    packaged_vocabulary,
)


@pytest.mark.parametrize(
    ("name", "ids"),
    # The ids tiktoken's own test suite expects for "hello world".
    [("cl100k_base", [15339, 1917]), ("o200k_base", [24912, 2375])],
)
def test_known_encoding(name: EncodingName, ids: list[int]) -> None:
    encoding = load_encoding(name)
    assert encoding.name == name
    assert encoding.encode("hello world") == ids


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_round_trip_and_special_tokens(name: EncodingName) -> None:
    encoding = load_encoding(name)
    text = "Nvidia\u2019s caf\u00e9 sold 3.5 million GPUs \U0001f680 \u2014 \u65e5\u672c\u8a9e.\n\n"
    tokens = encoding.encode(text)
    assert 5 < len(tokens) < len(text)
    assert encoding.decode(tokens) == text
    assert encoding.encode("<|endoftext|>", allowed_special="all") == [encoding.eot_token]
    with pytest.raises(ValueError, match="special token"):
        encoding.encode("<|endoftext|>")


def test_cached_per_name() -> None:
    assert load_encoding("cl100k_base") is load_encoding("cl100k_base")
    assert load_encoding("cl100k_base") is not load_encoding("o200k_base")


def test_tampered_vocabulary_is_refused(tmp_path: Path) -> None:
    data = gzip.decompress(packaged_vocabulary("cl100k_base").read_bytes())
    first, rest = data.split(b"\n", 1)
    token, rank = first.split()
    tampered = tmp_path / "cl100k_base.tiktoken.gz"
    tampered.write_bytes(gzip.compress(token + b" " + str(int(rank) + 1).encode() + b"\n" + rest))
    with pytest.raises(EncodingDataError, match="does not match tiktoken's cl100k_base"):
        encoding_from_file("cl100k_base", tampered)


def test_other_encodings_vocabulary_is_refused() -> None:
    with pytest.raises(EncodingDataError, match="does not match"):
        encoding_from_file("cl100k_base", packaged_vocabulary("o200k_base"))


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tiktoken.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(EncodingDataError, match="cannot read vocabulary"):
        encoding_from_file("cl100k_base", broken)
    with pytest.raises(EncodingDataError, match="cannot read vocabulary"):
        encoding_from_file("cl100k_base", tmp_path / "missing.gz")


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown encoding 'r50k_base'"):
        encoding_from_file("r50k_base", Path("unused"))  # type: ignore[arg-type]
