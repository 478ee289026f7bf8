"""corrupt: 100 damaged generations published under a running server; every one is refused,
each before its vectors are read where a file is damaged, and the server keeps serving the
generation it had.

Damage: truncated or bit-flipped vectors, SQLite and FAISS (HNSW) files, a missing file, and
manifests that lie (a wrong checksum, dimension, model, FAISS type or count, or no JSON at
all). Each damaged copy of a good generation is made live by CURRENT, as a writer would. The
refusal is checked in this process too, where numpy's and FAISS's readers are watched to see
whether a refused generation's vectors were read before it was refused.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import faiss
import httpx
import numpy as np

from bench.harness import (
    DEFAULT_INDEX,
    ensure_index,
    serving,
    tree_open_files,
    tree_open_files_by_kind,
    write_result,
)
from indexer.errors import IndexCorruptError, IndexMismatchError
from indexer.store.manifest import MANIFEST_NAME, generation_name
from indexer.store.reader import open_index
from indexer.store.schema import FAISS_NAME, SQLITE_NAME, VECTORS_NAME

HNSW_INDEX = DEFAULT_INDEX.with_name("bench-index-hnsw")
Damage = Callable[[Path, random.Random], None]


def _flip(name: str) -> Damage:
    def damage(gen: Path, rng: random.Random) -> None:
        data = bytearray((gen / name).read_bytes())
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        (gen / name).write_bytes(bytes(data))

    return damage


def _truncate(name: str) -> Damage:
    def damage(gen: Path, rng: random.Random) -> None:
        size = (gen / name).stat().st_size
        os.truncate(gen / name, rng.randrange(size))

    return damage


def _manifest(change: Callable[[dict[str, Any], random.Random], None]) -> Damage:
    def damage(gen: Path, rng: random.Random) -> None:
        data = json.loads((gen / MANIFEST_NAME).read_text())
        change(data, rng)
        (gen / MANIFEST_NAME).write_text(json.dumps(data))

    return damage


def _wrong_checksum(data: dict[str, Any], rng: random.Random) -> None:
    name = rng.choice(sorted(data["checksums"]))
    data["checksums"][name] = "0" * 64


def _checksum_left_out(gen: Path, rng: random.Random) -> None:
    _flip(VECTORS_NAME)(gen, rng)  # damaged, and the manifest no longer vouches for it
    _manifest(lambda data, rng: data["checksums"].pop(VECTORS_NAME))(gen, rng)


def _lying_counts(data: dict[str, Any], rng: random.Random) -> None:
    data["counts"]["chunks"] += rng.randint(1, 5)  # checksums still match the files


def _set(key: str, value: object) -> Callable[[dict[str, Any], random.Random], None]:
    def change(data: dict[str, Any], rng: random.Random) -> None:
        data[key] = value

    return change


def _garbage_manifest(gen: Path, rng: random.Random) -> None:
    text = (gen / MANIFEST_NAME).read_text()
    (gen / MANIFEST_NAME).write_text(text[: rng.randrange(len(text))])


def _missing(name: str) -> Damage:
    def damage(gen: Path, rng: random.Random) -> None:
        (gen / name).unlink()

    return damage


# (kind, source: "flat" or "hnsw", damage). Cycled until 100 generations are made.
KINDS: list[tuple[str, str, Damage]] = [
    ("vectors truncated", "flat", _truncate(VECTORS_NAME)),
    ("vectors bytes flipped", "flat", _flip(VECTORS_NAME)),
    ("SQLite bytes flipped", "flat", _flip(SQLITE_NAME)),
    ("SQLite truncated", "flat", _truncate(SQLITE_NAME)),
    ("FAISS file bytes flipped", "hnsw", _flip(FAISS_NAME)),
    ("FAISS file truncated", "hnsw", _truncate(FAISS_NAME)),
    ("SQLite file missing", "flat", _missing(SQLITE_NAME)),
    ("manifest: wrong checksum", "flat", _manifest(_wrong_checksum)),
    ("manifest: a checksum left out", "flat", _checksum_left_out),
    ("manifest: counts lie", "flat", _manifest(_lying_counts)),
    ("manifest: counts lie (HNSW)", "hnsw", _manifest(_lying_counts)),
    ("manifest: wrong dimension", "flat", _manifest(_set("dimension", 768))),
    ("manifest: another model", "flat", _manifest(_set("embedding_model", "other-model"))),
    ("manifest: FAISS type lies", "flat", _manifest(_set("faiss_type", "hnsw"))),
    ("manifest: not JSON", "flat", _garbage_manifest),
]


@contextmanager
def _watching_reads() -> Iterator[list[str]]:
    """Records each read of a vector file: numpy's load and FAISS's read_index, which
    indexer.store.vectors looks up on their modules at each call."""
    reads: list[str] = []
    load, read_index = np.load, faiss.read_index

    def watched_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(str(path))
        return load(path, *args, **kwargs)

    def watched_read_index(path: Any, *args: Any) -> Any:
        reads.append(str(path))
        return read_index(path, *args)

    with (
        mock.patch.object(np, "load", watched_load),
        mock.patch.object(faiss, "read_index", watched_read_index),
    ):
        yield reads


def _open_in_process(index: Path, model: str, dimension: int) -> dict[str, Any]:
    with _watching_reads() as reads:
        try:
            with open_index(index, expected_model=model, expected_dimension=dimension):
                return {"refused": False, "error": None, "vectors_read": bool(reads)}
        except (IndexCorruptError, IndexMismatchError) as exc:
            return {"refused": True, "error": type(exc).__name__, "vectors_read": bool(reads)}


def _publish(index: Path, source: Path, number: int, damage: Damage, rng: random.Random) -> str:
    name = generation_name(number)
    shutil.copytree(source, index / name)
    manifest = json.loads((index / name / MANIFEST_NAME).read_text())
    manifest["generation"] = number  # a copy names itself as a writer would have
    (index / name / MANIFEST_NAME).write_text(json.dumps(manifest))
    damage(index / name, rng)
    pointer = index / "CURRENT.tmp"
    pointer.write_text(name + "\n")
    os.replace(pointer, index / "CURRENT")
    return name


def run_corrupt(generations: int = 100, *, seed: int = 14, settle_s: float = 0.5) -> dict[str, Any]:
    rng = random.Random(seed)
    flat_index = ensure_index()
    hnsw_index = ensure_index(HNSW_INDEX, env={"NEWSQA_FAISS_INDEX_TYPE": "hnsw"})
    sources = {kind: path / (path / "CURRENT").read_text().strip()
               for kind, path in (("flat", flat_index), ("hnsw", hnsw_index))}  # fmt: skip
    manifest = json.loads((sources["flat"] / MANIFEST_NAME).read_text())
    model, dimension = manifest["embedding_model"], manifest["dimension"]
    outcomes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        index.mkdir()
        good = _publish(index, sources["flat"], 1, lambda gen, rng: None, rng)
        env = {"NEWSQA_RELOAD_INTERVAL_S": "0.1"}
        # A new connection per request: a kept-alive one may be closed by the server as idle
        # just as it is reused, which is not what this suite measures.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with (
            serving(index, env=env) as server,
            httpx.Client(base_url=server.url, timeout=60, limits=fresh) as client,
        ):
            for _ in range(20):  # each on a new connection: both workers open their lazy parts
                client.post("/ask", json={"question": "What is Alexa+?"})
            time.sleep(settle_s)
            files_before = tree_open_files(server.pid)
            kinds_before = tree_open_files_by_kind(server.pid)
            for number in range(2, generations + 2):
                kind, source, damage = KINDS[(number - 2) % len(KINDS)]
                name = _publish(index, sources[source], number, damage, rng)
                seen = _open_in_process(index, model, dimension)
                time.sleep(settle_s)  # several reload attempts by both workers
                ready = client.get("/readyz").json().get("index_version")
                answer = client.post("/ask", json={"question": "What is Alexa+?"})
                outcomes.append({"generation": name, "kind": kind, **seen,
                                 "server_serves": ready, "ask_status": answer.status_code,
                                 "ask_version": answer.json().get("index_version")})  # fmt: skip
            # A good generation after them all: the reload loop was alive throughout.
            final = _publish(index, sources["flat"], generations + 2, lambda gen, rng: None, rng)
            deadline = time.monotonic() + 30
            while client.get("/readyz").json().get("index_version") != final:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            picked_up = client.get("/readyz").json().get("index_version") == final
            time.sleep(settle_s)
            files_after = tree_open_files(server.pid)
            kinds_after = tree_open_files_by_kind(server.pid)
    changed = {
        kind: kinds_after.get(kind, 0) - kinds_before.get(kind, 0)
        for kind in sorted({*kinds_before, *kinds_after})
        if kinds_after.get(kind, 0) != kinds_before.get(kind, 0)
    }
    files: dict[str, Any] = {"before": files_before, "after": files_after, "changed": changed}
    return _report(outcomes, good, picked_up, settle_s, files)


def _report(
    outcomes: list[dict[str, Any]],
    good: str,
    picked_up: bool,
    settle_s: float,
    files: dict[str, Any],
) -> dict[str, Any]:
    accepted = [o for o in outcomes if not o["refused"]]
    kept = [o for o in outcomes if o["server_serves"] == good and o["ask_status"] == 200
            and o["ask_version"] == good]  # fmt: skip
    by_kind: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        entry = by_kind.setdefault(
            outcome["kind"],
            {"generations": 0, "refused": 0, "read_before_refusal": 0, "errors": set()},
        )
        entry["generations"] += 1
        entry["refused"] += outcome["refused"]
        entry["read_before_refusal"] += outcome["refused"] and outcome["vectors_read"]
        entry["errors"].add(outcome["error"])
    for entry in by_kind.values():
        entry["errors"] = sorted(str(error) for error in entry["errors"])
    file_damage = [o for o in outcomes if not o["kind"].startswith("manifest")]
    result: dict[str, Any] = {
        "server": "newsqa serve, 2 workers, reload interval 0.1 s, index of corpus/ (flat) and "
        "its HNSW build as the sources of the damaged copies",
        "generations": len(outcomes),
        "refused": len(outcomes) - len(accepted),
        "file_damage_refused_before_reading_vectors": sum(
            o["refused"] and not o["vectors_read"] for o in file_damage
        ),
        "file_damage_generations": len(file_damage),
        "server_kept_previous_generation": len(kept),
        "good_generation_picked_up_after": picked_up,
        # Each refused generation was opened (and refused) by both workers, several times.
        "server_open_files": files,
        "settle_s": settle_s,
        "by_kind": by_kind,
        "outcomes": outcomes,
        "goals": {
            "every damaged generation refused": not accepted,
            "damaged files refused before their vectors are read": all(
                o["refused"] and not o["vectors_read"] for o in file_damage
            ),
            "the server keeps the previous generation": len(kept) == len(outcomes),
            "no file left open by refused generations": files["after"] <= files["before"],
        },
    }
    rows = [
        ("damaged generations / refused", f"{len(outcomes)} / {result['refused']}"),
        ("damaged files refused before reading vectors",
         f"{result['file_damage_refused_before_reading_vectors']} of {len(file_damage)}"),
        ("server kept the previous generation", f"{len(kept)} of {len(outcomes)}"),
        ("a good generation picked up after", "yes" if picked_up else "NO"),
        ("server open files before / after", f"{files['before']} / {files['after']}"),
        *[(f"  {kind}", _kind_row(entry)) for kind, entry in by_kind.items()],
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]  # fmt: skip
    write_result("corrupt", result, rows)
    return result


def _kind_row(entry: dict[str, Any]) -> str:
    row = f"{entry['refused']}/{entry['generations']} refused ({', '.join(entry['errors'])})"
    if entry["read_before_refusal"]:
        row += f", {entry['read_before_refusal']} after reading vectors"
    return row
