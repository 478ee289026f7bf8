"""`newsqa bench scale`: build time, memory, latency and recall@10 of vector indexes at 100k-1M.

Each index is built in its own process, written to disk, then loaded and searched in a fresh
process, so the resident memory reported for searching is what a server holding that index would
pay (the data set itself is never in the searching process). Searches run one query at a time
on one thread, as the store runs them (concurrency comes from requests). Every figure is from
this machine; the data is described in `bench.scale_data`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale_data import (
    COPY_COSINE,
    exact_neighbours,
    grow,
    neighbour_structure,
    question_vectors,
    real_vectors,
    recall_at_k,
)
from bench.scale_spec import IndexSpec

SIZES = (100_000, 1_000_000)
RECALL_GOAL = 0.95
P95_GOAL_MS = 10.0
RSS_GOAL_MIB = 2048.0
WARM_QUERIES = 50  # searched before timing: page in the index, warm caches
REPEATS = 3  # timed passes over the queries per setting


def _nlist(n: int) -> int:
    return 1024 if n <= 200_000 else 4096


SPECS: dict[str, IndexSpec] = {
    "flat": IndexSpec("flat", "Flat", max_queries=300),  # ~0.1-0.6 s a query at 1M
    # The FAISS store's `flat` (what `auto` serves below its threshold): a float16 scan, the
    # candidates rescored in float32, exact. Nothing is built at write time (vectors.npy is it).
    "store_exact": IndexSpec("store_exact", "newsqa:ExactFlatIndex", max_queries=300),
    "hnsw32": IndexSpec(
        "hnsw32", "HNSW32", "efSearch", (64, 128, 256, 512, 1024), {"efConstruction": 200}
    ),
    "hnsw32_sq8": IndexSpec(
        "hnsw32_sq8", "HNSW32_SQ8", "efSearch", (64, 128, 256, 512, 1024), {"efConstruction": 200}
    ),
    "hnsw32_fp16": IndexSpec(
        "hnsw32_fp16",
        "HNSW32_SQfp16",
        "efSearch",
        (64, 128, 256, 512, 1024),
        {"efConstruction": 200},
        max_size=100_000,  # between SQ8 and float32 in memory and recall; ~25 min to build at 1M
    ),
    "ivf_sq8": IndexSpec("ivf_sq8", "IVF{nlist},SQ8", "nprobe", (16, 32, 64, 128, 256)),
    "ivf_sq8_refine": IndexSpec(  # SQ8 lists, candidates rescored from half-precision copies
        "ivf_sq8_refine",
        "IVF{nlist},SQ8,Refine(SQfp16)",
        "nprobe",
        (16, 32, 64, 128, 256),
        {"k_factor": 4},
    ),
    "ivf_pq_refine": IndexSpec(
        "ivf_pq_refine",
        "IVF{nlist},PQ48,Refine(SQ8)",
        "nprobe",
        (16, 32, 64, 128, 256),
        {"k_factor": 4},
    ),
    "milvus_lite_hnsw": IndexSpec(
        "milvus_lite_hnsw",
        "milvus-lite:HNSW",
        "ef",
        (64, 128),
        {"M": 32, "efConstruction": 200},
        max_queries=100,  # each search walks every row's key in Python: ~1 s a query at 1M
        max_size=100_000,  # at 1M its insert and build outlast a benchmark run on two cores
    ),
}


@dataclass
class Measured:
    """What one index gave at one size."""

    index: str
    size: int
    build_s: float | None = None
    build_peak_rss_mib: float | None = None
    index_file_mib: float | None = None
    search_rss_mib: float | None = None  # after loading and searching: the serving footprint
    sweep: list[dict[str, Any]] = field(default_factory=list)  # per knob value
    chosen: dict[str, Any] | None = None  # the cheapest setting meeting the recall goal
    skipped: str | None = None
    load_average: list[float] = field(default_factory=list)  # 1/5/15 min, when it finished


def run_scale_benchmark(
    index_dir: Path,
    questions: Path,
    work: Path,
    *,
    sizes: Sequence[int] = SIZES,
    indexes: Sequence[str] = tuple(SPECS),
    queries: int = 1000,
    seed: int = 0,
    reuse_builds: bool = False,
    on_result: Callable[[Measured], None] = lambda _m: None,
) -> dict[str, Any]:
    """Grows the data, computes exact neighbours, then measures each index in subprocesses."""
    from bench.index import host_info  # here: the measuring children need none of its imports

    work.mkdir(parents=True, exist_ok=True)
    base = real_vectors(index_dir)
    query_matrix = question_vectors(questions, queries, work / "queries.npy")
    data_info: dict[str, Any] = {
        "source": f"{len(base)} real chunk vectors of {index_dir}, grown by perturbation",
        "copy_cosine": COPY_COSINE,
        "queries": f"{len(query_matrix)} questions of {questions.name}, embedded",
        "dimension": int(base.shape[1]),
        "seed": seed,
    }
    results: list[Measured] = []
    for size in sizes:
        data = grow(base, size, seed, work / f"data-{size}.npy")
        truth = exact_neighbours(data, query_matrix)
        np.save(work / f"truth-{size}.npy", truth)
        data_info[f"neighbours_{size}"] = neighbour_structure(data, query_matrix, truth, len(base))
        del data
        for name in indexes:
            spec = SPECS[name]
            measured = Measured(name, size)
            if spec.max_size is not None and size > spec.max_size:
                measured.skipped = f"not run above {spec.max_size} vectors"
            else:
                _measure(spec, size, work, measured, reuse_builds)
            measured.load_average = [round(x, 2) for x in os.getloadavg()]
            results.append(measured)
            on_result(measured)
    return {
        "host": host_info(),
        "data": data_info,
        "goal": {"recall_at_10": RECALL_GOAL, "p95_ms": P95_GOAL_MS, "rss_mib": RSS_GOAL_MIB},
        "results": [asdict(m) for m in results],
    }


def _measure(
    spec: IndexSpec, size: int, work: Path, measured: Measured, reuse_builds: bool
) -> None:
    record = work / f"{spec.name}-{size}.build.json"
    if reuse_builds and record.exists():  # searched again, e.g. on a quieter machine
        built: dict[str, Any] = json.loads(record.read_text())
    else:
        built = _child("build", spec.name, size, work)
    if "error" in built:
        measured.skipped = built["error"]
        return
    measured.build_s = built["build_s"]
    measured.build_peak_rss_mib = built["peak_rss_mib"]
    measured.index_file_mib = built.get("file_mib")
    searched = _child("search", spec.name, size, work)
    if "error" in searched:
        measured.skipped = searched["error"]
        return
    measured.search_rss_mib = searched["rss_mib"]
    measured.sweep = searched["sweep"]
    meeting = [s for s in measured.sweep if s["recall_at_10"] >= RECALL_GOAL]
    measured.chosen = min(meeting, key=lambda s: s["p95_ms"]) if meeting else None


def _child(step: str, name: str, size: int, work: Path) -> dict[str, Any]:
    """Runs one step in a fresh interpreter; its last stdout line is the JSON result."""
    command = [sys.executable, "-m", "bench.scale", step, name, str(size), str(work)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": f"{step} exited {done.returncode}: {' | '.join(tail)}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- in the child


def _peak_rss_mib() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork and exec, so every
    # child reported its parent's peak (2,698 MiB for each 100k build) where that was larger.
    return _status_mib("VmHWM")


def _current_rss_mib() -> float:
    return _status_mib("VmRSS")


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # reported in kB
    return float("nan")


def build_child(name: str, size: int, work: Path) -> dict[str, Any]:
    spec = SPECS[name]
    data = np.load(work / f"data-{size}.npy", mmap_mode="r", allow_pickle=False)
    if spec.factory.startswith("milvus-lite:"):
        from bench.scale_milvus import build_milvus_lite

        started = time.perf_counter()
        path = build_milvus_lite(data, work / f"{name}-{size}.db", spec)
        seconds = time.perf_counter() - started
        file_mib = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
        return {"build_s": seconds, "peak_rss_mib": _peak_rss_mib(), "file_mib": file_mib}
    if spec.factory.startswith("newsqa:"):
        started = time.perf_counter()
        _open_store_exact(work / f"data-{size}.npy")  # its float16 copy, made when opened
        return {
            "build_s": time.perf_counter() - started,
            "peak_rss_mib": _peak_rss_mib(),
            "file_mib": (work / f"data-{size}.npy").stat().st_size / 2**20,
        }
    faiss = _faiss()
    factory = spec.factory.format(nlist=_nlist(size))
    started = time.perf_counter()
    index = faiss.index_factory(data.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    if "efConstruction" in spec.build:
        index.hnsw.efConstruction = spec.build["efConstruction"]
    if not index.is_trained:
        # 50 points a list: k-means needs ~40 (faiss warns below 39); more only slows training.
        sample = np.random.default_rng(0).choice(size, min(size, 50 * _nlist(size)), replace=False)
        index.train(np.ascontiguousarray(data[np.sort(sample)]))
    for start in range(0, size, 100_000):  # from the memory map in slices: no second full copy
        index.add(np.ascontiguousarray(data[start : start + 100_000]))
    seconds = time.perf_counter() - started
    path = work / f"{name}-{size}.faiss"
    faiss.write_index(index, str(path))
    return {
        "build_s": seconds,
        "peak_rss_mib": _peak_rss_mib(),
        "file_mib": path.stat().st_size / 2**20,
    }


def search_child(name: str, size: int, work: Path) -> dict[str, Any]:
    spec = SPECS[name]
    queries = np.load(work / "queries.npy", allow_pickle=False)[: spec.max_queries]
    truth = np.load(work / f"truth-{size}.npy", allow_pickle=False)[: spec.max_queries]
    search: Callable[[np.ndarray, int], np.ndarray]
    if spec.factory.startswith("milvus-lite:"):
        from bench.scale_milvus import open_milvus_lite

        searcher = open_milvus_lite(work / f"{name}-{size}.db", spec)
        set_knob: Callable[[int], None] = searcher.set_knob
        search = searcher.search
    elif spec.factory.startswith("newsqa:"):
        _, set_knob, search = _open_store_exact(work / f"data-{size}.npy")
    else:
        _, set_knob, search = _open_faiss(spec, work / f"{name}-{size}.faiss")
    sweep = []
    for value in spec.values or (0,):
        if spec.knob:
            set_knob(value)
        for query in queries[: min(WARM_QUERIES, len(queries) // 4)]:
            search(query, 10)
        runs = [_timed_run(search, queries, truth.shape) for _ in range(REPEATS)]
        found = runs[0][0]
        sweep.append(
            {
                "knob": spec.knob,
                "value": value if spec.knob else None,
                "recall_at_10": recall_at_k(found, truth),
                # Medians over REPEATS passes: the machine is shared, so one pass can be unlucky.
                "p50_ms": statistics.median(r[1] for r in runs),
                "p95_ms": statistics.median(r[2] for r in runs),
                # CPU time of the searching thread: what a query costs, whatever else runs.
                "cpu_ms": statistics.median(r[3] for r in runs),
            }
        )
    return {"rss_mib": _current_rss_mib(), "peak_rss_mib": _peak_rss_mib(), "sweep": sweep}


def _timed_run(
    search: Callable[[np.ndarray, int], np.ndarray],
    queries: np.ndarray,
    shape: tuple[int, ...],
) -> tuple[np.ndarray, float, float, float]:
    """One pass over the queries: (labels found, p50 ms, p95 ms, mean CPU ms per query)."""
    found = np.full(shape, -1, dtype=np.int64)
    times = []
    cpu_started = time.thread_time()
    for i, query in enumerate(queries):
        started = time.perf_counter()
        labels = search(query, 10)
        times.append((time.perf_counter() - started) * 1000)
        found[i, : len(labels)] = labels[:10]
    cpu_ms = (time.thread_time() - cpu_started) * 1000 / len(queries)
    return found, float(np.percentile(times, 50)), float(np.percentile(times, 95)), cpu_ms


def _faiss() -> Any:
    import faiss

    return faiss  # its stubs lag its SWIG API (index subclasses' attributes)


def _open_store_exact(
    path: Path,
) -> tuple[Any, Callable[[int], None], Callable[..., Any]]:
    from indexer.store.flat_index import ExactFlatIndex

    _faiss().omp_set_num_threads(1)  # one query, one thread: as the store searches
    index = ExactFlatIndex(np.load(path, mmap_mode="r", allow_pickle=False))  # as it opens it

    def set_knob(value: int) -> None:
        del value  # exact: nothing to tune

    def search(query: np.ndarray, k: int) -> np.ndarray:
        _, positions = index.search(query.reshape(1, -1), k)
        return positions[0]  # type: ignore[no-any-return]

    return index, set_knob, search


def _open_faiss(
    spec: IndexSpec, path: Path
) -> tuple[Any, Callable[[int], None], Callable[..., Any]]:
    faiss = _faiss()
    faiss.omp_set_num_threads(1)  # one query, one thread: as the store searches
    index = faiss.read_index(str(path))
    k_factor = spec.build.get("k_factor")
    if k_factor:  # candidates re-ranked from the refinement codes: k_factor * k
        faiss.downcast_index(index).k_factor = k_factor

    def set_knob(value: int) -> None:
        # ParameterSpace reaches through wrappers (IndexRefine around an IVF, for one).
        faiss.ParameterSpace().set_index_parameter(index, str(spec.knob), value)

    def search(query: np.ndarray, k: int) -> np.ndarray:
        _, labels = index.search(query.reshape(1, -1), k)
        return labels[0]  # type: ignore[no-any-return]

    return index, set_knob, search


def _main(argv: list[str]) -> None:
    step, name, size, work = argv[0], argv[1], int(argv[2]), Path(argv[3])
    if step == "build":
        result = build_child(name, size, work)
        # Kept beside the index, so that a later run can search it again without rebuilding.
        (work / f"{name}-{size}.build.json").write_text(json.dumps(result))
    else:
        result = search_child(name, size, work)
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1:])
