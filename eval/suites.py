"""Suite files (TOML): named datasets, the index to use and the run options, in one place.

Relative paths resolve against the repository root: the nearest folder above the suite file
that holds pyproject.toml (the suite's own folder where there is none).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.run import DatasetSpec
from eval.splits import HALVES


@dataclass(frozen=True)
class Suite:
    name: str
    datasets: tuple[DatasetSpec, ...]
    index_dir: Path | None
    url: str | None
    # Inputs the index is built from; where given, `eval run` refreshes the index when stale.
    corpus: tuple[Path, ...]
    options: dict[str, Any]  # RunOptions fields; the command line overrides them


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the bad entry."""


def _root(path: Path) -> Path:
    for folder in path.resolve().parents:
        if (folder / "pyproject.toml").exists():
            return folder
    return path.resolve().parent


def load_suite(path: Path) -> Suite:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"{path}: {exc}") from exc
    root = _root(path)

    def resolve(value: object, where: str) -> Path:
        if not isinstance(value, str) or not value:
            raise SuiteError(f"{path}: {where} must be a non-empty path string")
        candidate = Path(value)
        return candidate if candidate.is_absolute() else root / candidate

    entries = data.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise SuiteError(f"{path}: needs at least one [[datasets]] entry")
    specs = []
    for i, entry in enumerate(entries):
        where = f"datasets[{i}]"
        if not isinstance(entry, dict):
            raise SuiteError(f"{path}: {where} must be a table")
        file = resolve(entry.get("path"), f"{where}.path")
        limit = entry.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise SuiteError(f"{path}: {where}.limit must be a non-negative integer")
        half = entry.get("half")
        if half is not None and half not in HALVES:
            raise SuiteError(f"{path}: {where}.half must be one of {list(HALVES)}, got {half!r}")
        specs.append(
            DatasetSpec(
                name=str(entry.get("name") or file.stem),
                path=file,
                ids=resolve(entry["ids"], f"{where}.ids") if entry.get("ids") else None,
                limit=limit,
                half=half,
            )
        )
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise SuiteError(f"{path}: dataset names must be unique, got {names}")
    index = data.get("index", {})
    if not isinstance(index, dict):
        raise SuiteError(f"{path}: [index] must be a table")
    corpus = index.get("corpus", [])
    if not isinstance(corpus, list):
        raise SuiteError(f"{path}: index.corpus must be a list of paths")
    options = data.get("run", {})
    if not isinstance(options, dict):
        raise SuiteError(f"{path}: [run] must be a table")
    return Suite(
        name=str(data.get("name") or path.stem),
        datasets=tuple(specs),
        index_dir=resolve(index["dir"], "index.dir") if index.get("dir") else None,
        url=str(index["url"]) if index.get("url") else None,
        corpus=tuple(resolve(c, f"index.corpus[{i}]") for i, c in enumerate(corpus)),
        options=options,
    )
