"""kill -9 an indexer at random moments: the index is always the previous generation or none.

What is under test is the publish protocol, so most kills hit a child that embeds with a cheap
deterministic `HashEmbedder`; a few hit the real model path. The child is this module run with
`python -m tests.indexer.pipeline.test_crash_safety hash|real`, a fork server: each worker it forks
builds, adds and deletes in a loop until the test SIGKILLs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexer.errors import NoIndexError
from indexer.protocols import FloatMatrix

REPO_ROOT = Path(__file__).resolve().parents[3]
_TOKEN = re.compile(r"\S+")


class HashEmbedder:
    """Deterministic pseudo-embeddings from a text's sha256 (tests of plumbing, not meaning)."""

    def __init__(self, dimension: int = 32, model_name: str = "hash-test") -> None:
        self._dimension = dimension
        self._name = model_name

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_seq_length(self) -> int:
        return 256

    @property
    def max_content_tokens(self) -> int:
        return 254

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [[m.span() for m in _TOKEN.finditer(t)] for t in texts]

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).normal(size=self._dimension)
            out[i] = vector / np.linalg.norm(vector)
        return out

    def embed_query(self, text: str) -> FloatMatrix:
        return self.embed_documents([text])[0]


_SUBJECTS = ["Orbital Labs", "Brightwater", "Meridian AI", "Glacier Compute", "Sable University"]
_VERBS = ["announced", "delayed", "expanded", "tested", "priced"]
_OBJECTS = [
    "a speech chip",
    "a robot planner",
    "a translation model",
    "a data center",
    "a benchmark",
]


def write_corpus(directory: Path, articles: int = 30, variant: int = 0) -> list[Path]:
    """Invented articles in two JSONL files; `variant` edits a few so a rebuild has work."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    rows = []
    for n in range(articles):
        sentences = [
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} in week {k}."
            for k in range(rng.randint(8, 30))
        ]
        if n % 10 == variant % 10:
            sentences.append(f"Revision {variant} added this sentence.")
        rows.append(
            {
                "id": f"story-{n}",
                "title": f"Story {n}",
                "source": _SUBJECTS[n % 5],
                "published_at": f"2026-0{1 + n % 9}-1{n % 10}",
                "text": " ".join(sentences[:6]) + "\n\n" + " ".join(sentences[6:]),
            }
        )
    paths = [directory / "part-a.jsonl", directory / "part-b.jsonl"]
    half = len(rows) // 2
    for path, part in zip(paths, (rows[:half], rows[half:]), strict=True):
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return paths


def _work(corpus: Path, index_dir: Path, kind: str, log: Path) -> None:
    """Build, add and delete in a loop until killed; logs each published generation."""
    from indexer.config import IndexConfig
    from indexer.pipeline.embed import ChunkingEmbedder
    from indexer.pipeline.run import add_to_index, build_index, delete_from_index
    from indexer.text.analysis import load_analyzer

    config = IndexConfig(chunk_target_tokens=48, chunk_overlap_tokens=8)
    embedder: ChunkingEmbedder = HashEmbedder()
    analyzer = load_analyzer()  # the worker's own, for every write it makes
    if kind == "real":
        from indexer.embedding.transformer import load_embedder

        embedder = load_embedder(config.embedding_model)
    with log.open("w", buffering=1) as out:
        for step in range(1_000_000):
            paths = sorted((corpus / f"v{step % 3}").glob("*.jsonl"))
            if step % 3 == 0:
                s = build_index(
                    paths, index_dir, config, embedder=embedder, analyzer=analyzer, progress=False
                )
            elif step % 3 == 1:
                s = add_to_index(
                    paths[:1],
                    index_dir,
                    config,
                    embedder=embedder,
                    analyzer=analyzer,
                    progress=False,
                )
            else:
                s = delete_from_index(
                    [f"story-{step % 30}"], index_dir, embedder=embedder, analyzer=analyzer
                )
            out.write(f"published {s.generation}\n")


def serve(kind: str) -> None:
    """Fork server: import once, then fork one worker per request line "corpus\tindex\tlog".

    Forking a process that has only imported (never run FAISS or torch, so no thread pools
    exist yet) keeps each kill cheap; real-model workers load the model themselves.
    """

    if kind == "real":
        import sentence_transformers  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed workers
    print("ready", flush=True)
    while line := sys.stdin.readline():
        corpus, index_dir, log = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:
            try:
                _work(Path(corpus), Path(index_dir), kind, Path(log))
            finally:
                os._exit(1)
        print(pid, flush=True)


class ForkServer:
    """The test's handle on a `serve` process."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.indexer.pipeline.test_crash_safety", kind],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        assert self._read() == "ready", "fork server did not start"

    def _read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def start(self, corpus: Path, index_dir: Path, log: Path) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{corpus}\t{index_dir}\t{log}\n")
        self.proc.stdin.flush()
        return int(self._read())

    def close(self) -> None:
        self.proc.kill()
        self.proc.communicate()


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # dead and reaped
        time.sleep(0.005)
    raise AssertionError(f"worker {pid} did not die")


def _interrupted_write(index_dir: Path) -> bool:
    """A temp dir, or a generation renamed into place that CURRENT does not name yet."""
    from indexer.store.generations import current_version, generation_number

    live = current_version(index_dir)
    live_number = generation_number(live) if live else 0
    for entry in index_dir.iterdir():
        if entry.name.startswith((".tmp-", ".trash-")):
            return True
        number = generation_number(entry.name)
        if number is not None and number > (live_number or 0):
            return True
    return False


def _kill_once(
    server: ForkServer, corpus: Path, index_dir: Path, delay: float, *, in_write: bool
) -> tuple[bool, bool]:
    """Start a worker and SIGKILL it after `delay` (counted from when a write starts, if asked).

    Returns (a generation was published before the kill, the kill interrupted a write).
    """
    log = index_dir.parent / f"{index_dir.name}.log"
    pid = server.start(corpus, index_dir, log)
    try:
        if in_write:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                p.name.startswith(".tmp-") for p in index_dir.iterdir()
            ):
                time.sleep(0.002)
        time.sleep(delay)
    finally:
        _kill(pid)
    published = log.exists() and "published" in log.read_text()
    return published, _interrupted_write(index_dir)


def _assert_consistent(index_dir: Path, ever_published: bool) -> None:
    from indexer.store.reader import open_index

    try:
        store = open_index(index_dir)  # verifies checksums and ntotal == rows == manifest
    except NoIndexError:
        assert not ever_published, "a published generation was lost"
        return
    with store:
        rows = store._query("SELECT count(*) FROM chunks")[0][0]
        assert store._dense.ntotal == rows == store.manifest.counts.chunks
        indexed = store._query("SELECT count(*) FROM articles WHERE canonical_id IS NULL")[0][0]
        assert indexed == store.article_count


@pytest.mark.slow
def test_sigkill_at_random_moments_never_breaks_the_index(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("NEWSQA_CRASH_SEED", "20261127")))
    corpus = tmp_path / "corpus"
    for variant in range(3):
        write_corpus(corpus / f"v{variant}", variant=variant)
    kills = mid_write = 0
    # Odd attempts kill just after a write starts (0-20 ms in), even ones at any moment.
    hash_server = ForkServer("hash")
    try:
        # 6 fresh directories killed early, during their very first build.
        for attempt in range(6):
            index_dir = tmp_path / f"fresh-{attempt}"
            index_dir.mkdir()
            in_write = attempt % 2 == 1
            delay = rng.uniform(0, 0.02 if in_write else 0.3)
            published, leftovers = _kill_once(
                hash_server, corpus, index_dir, delay, in_write=in_write
            )
            _assert_consistent(index_dir, published)
            kills, mid_write = kills + 1, mid_write + leftovers
        # 18 kills of one directory, at any point of its builds, adds and deletes.
        shared = tmp_path / "shared"
        shared.mkdir()
        ever = False
        for attempt in range(18):
            in_write = attempt % 2 == 1
            delay = rng.uniform(0, 0.02 if in_write else 1.5)
            published, leftovers = _kill_once(hash_server, corpus, shared, delay, in_write=in_write)
            ever = ever or published
            _assert_consistent(shared, ever)
            kills, mid_write = kills + 1, mid_write + leftovers
    finally:
        hash_server.close()
    # The real model: a first build killed, then kills of a directory with generations in it.
    real_server = ForkServer("real")
    try:
        real = tmp_path / "real"
        real.mkdir()
        ever = False
        for in_write in (True, False, True):
            delay = rng.uniform(0, 0.02 if in_write else 4.0)
            published, leftovers = _kill_once(real_server, corpus, real, delay, in_write=in_write)
            ever = ever or published
            _assert_consistent(real, ever)
            kills, mid_write = kills + 1, mid_write + leftovers
    finally:
        real_server.close()
    assert kills >= 20
    # Many kills must land inside a write, or this test proves little.
    assert mid_write >= 5, f"only {mid_write} of {kills} kills interrupted a write"
    # The next writer cleans up what the killed ones left behind and publishes normally.
    from indexer.config import IndexConfig
    from indexer.pipeline.run import build_index

    paths = sorted((corpus / "v0").glob("*.jsonl"))
    config = IndexConfig(chunk_target_tokens=48, chunk_overlap_tokens=8)
    summary = build_index(paths, shared, config, embedder=HashEmbedder(), progress=False)
    assert summary.published
    assert not [p for p in shared.iterdir() if p.name.startswith((".tmp-", ".trash-"))]
    _assert_consistent(shared, True)


if __name__ == "__main__":
    serve(sys.argv[1])
