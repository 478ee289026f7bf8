"""Keys for artefacts derived from a local model (an ONNX export, a distilled static model)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def derived_model_key(model_path: str, *parts: str) -> str:
    """Changes when any file of the model changes (name, size, mtime), or when `parts` do.

    `parts` name what else the artefact depends on: the libraries and settings that made it.
    Reading file stats rather than contents keeps a start-up check under a millisecond.
    """
    digest = hashlib.sha256("\0".join(parts).encode())
    root = Path(model_path)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"\0{path.relative_to(root)} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write to; it replaces `target` when the block ends
    without an error, and is removed either way, so readers never see a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, suffix=f"{target.suffix}.tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
