"""sha256 digests as hex strings: of files (generation checksums, input fingerprints) and of
text (the key under which a chunk text's vector and sentence analysis are reused)."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20  # bytes read at a time


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes, read a block at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def text_sha256(text: str) -> str:
    """The hex sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
