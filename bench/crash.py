"""crash: `newsqa index build/add/delete` killed with SIGKILL at random moments, 20+ times.

After every kill the index must open (checksums, counts) as the last published generation, or
be absent if none was ever published: 0 corrupt loads. What the killed writers left is counted,
`newsqa index gc` must clear it, and a last, unkilled writer must publish normally. Half the
kills land at a random moment of a whole run (start-up, model loading, reading, embedding,
writing); the other half within 0.5 s of the writer starting to write a generation.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import DEFAULT_CORPUS, NEWSQA, write_result
from indexer.errors import IndexCorruptError, NoIndexError
from indexer.store.generations import current_version, find_leftovers
from indexer.store.reader import open_index


def _command(action: str, work: Path, index: Path) -> list[str]:
    at = ["--index", str(index)]
    if action == "build":
        return [*NEWSQA, "index", "build", str(work / "base"), *at]
    if action == "add":
        return [*NEWSQA, "index", "add", str(work / "more"), *at]
    return [*NEWSQA, "index", "delete", *_live_ids(index, work / "more"), *at]


def _next_action(number: int, work: Path, index: Path) -> str:
    """build, add, delete in turn, each where it has work: a delete where the added articles
    are live, an add where they are not all live."""
    action = ("build", "add", "delete")[number % 3]
    live = len(_live_ids(index, work / "more"))
    if action == "delete" and live == 0:
        return "add"
    if action == "add" and live == len(list((work / "more").glob("*.md"))):
        return "delete"  # an add of what is there already changes nothing
    return action


def _live_ids(index: Path, folder: Path) -> list[str]:
    """The ids of `folder`'s articles that the live generation holds."""
    wanted = [path.stem for path in sorted(folder.glob("*.md"))]
    try:
        with open_index(index, verify=False) as store:
            return [i for i in wanted if store.get_article(i) is not None]
    except (NoIndexError, IndexCorruptError):
        return []


def _prepare(work: Path, corpus: Path) -> None:
    files = sorted(corpus.glob("*.md"))
    for name, part in (("base", files[:10]), ("more", files[10:14])):
        (work / name).mkdir(parents=True)
        for path in part:
            shutil.copy(path, work / name / path.name)


def _writing(index: Path) -> bool:
    return index.is_dir() and any(p.name.startswith(".tmp-") for p in index.iterdir())


def _kill_run(
    command: list[str], index: Path, rng: random.Random, in_write: bool, whole_s: float
) -> str:
    """Runs `command` and SIGKILLs it; returns when in its run the kill landed."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        if in_write:
            while process.poll() is None and not _writing(index):
                if time.monotonic() - started > 300:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.5))
        else:
            deadline = started + rng.uniform(0, whole_s)
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
    finally:
        if process.poll() is not None:
            moment = "after it finished"
        else:
            moment = "while writing" if _writing(index) else "before or after writing"
            process.send_signal(signal.SIGKILL)
        process.wait()
    return moment


def _load(index: Path, ever_published: bool) -> str:
    """ "ok" (the live generation opened), "none" (none yet), or what is wrong."""
    try:
        with open_index(index):
            return "ok"
    except NoIndexError:
        return "none" if not ever_published else "a published generation was lost"
    except IndexCorruptError as exc:
        return f"corrupt: {exc}"


def run_crash(corpus: Path = DEFAULT_CORPUS, *, kills: int = 24, seed: int = 14) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        _prepare(work, corpus)
        index = work / "index"
        # How long an unkilled run of each takes, so kills can land anywhere in one.
        whole: dict[str, float] = {}
        for action in ("build", "add", "delete"):
            started = time.monotonic()
            subprocess.run(
                _command(action, work, index),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            whole[action] = time.monotonic() - started
        ever_published = current_version(index) is not None
        outcomes: list[dict[str, Any]] = []
        left_after_kill = gc_cleared = gcs = 0
        killed = attempts = 0
        # Runs that finish before their kill do not count: attempts go on until `kills` land.
        while killed < kills and attempts < 3 * kills:
            action = _next_action(attempts, work, index)
            in_write = killed % 2 == 1
            command = _command(action, work, index)
            moment = _kill_run(command, index, rng, in_write, whole[action])
            attempts += 1
            killed += moment != "after it finished"
            ever_published = ever_published or current_version(index) is not None
            leftovers = find_leftovers(index)
            left_after_kill += bool(leftovers)
            load = _load(index, ever_published)
            if leftovers and killed % 3 == 0:  # now and then; the next writer clears the rest
                gc = subprocess.run([*NEWSQA, "index", "gc", "--index", str(index)],
                                    capture_output=True, text=True)  # fmt: skip
                gcs += 1
                gc_cleared += gc.returncode == 0 and not find_leftovers(index)
            outcomes.append(
                {
                    "command": action,
                    "killed": moment,
                    "leftovers": list(leftovers.paths)
                    + ([f"pid {leftovers.stale_pid}"] if leftovers.stale_pid else []),
                    "load": load,
                    "live": current_version(index),
                }
            )
        final = subprocess.run(_command("build", work, index), capture_output=True, text=True)
        final_ok = (
            final.returncode == 0 and not find_leftovers(index) and _load(index, True) == "ok"
        )
    corrupt = [o for o in outcomes if o["load"] not in ("ok", "none")]
    result: dict[str, Any] = {
        "commands": "newsqa index build (10 briefs of corpus/), add (4 more), delete (those 4)",
        "kills": killed,
        "runs_that_finished_before_their_kill": attempts - killed,
        "killed_while_writing": sum(o["killed"] == "while writing" for o in outcomes),
        "corrupt_loads": len(corrupt),
        "kills_that_left_leftovers": left_after_kill,
        "gc_runs": gcs,
        "gc_runs_that_cleared_everything": gc_cleared,
        "final_writer_published_and_left_nothing": final_ok,
        "uninterrupted_run_seconds": {action: round(s, 1) for action, s in whole.items()},
        "seed": seed,
        "outcomes": outcomes,
        "goals": {
            "20+ SIGKILLs": killed >= 20,
            "0 corrupt loads": not corrupt,
            "leftovers cleared (gc, next writer)": gc_cleared == gcs and final_ok,
        },
    }
    rows = [
        ("kills (while writing)", f"{killed} ({result['killed_while_writing']})"),
        ("runs that finished before their kill", str(attempts - killed)),
        ("corrupt loads", str(len(corrupt))),
        ("kills that left leftovers", str(left_after_kill)),
        ("gc runs that cleared everything", f"{gc_cleared} of {gcs}"),
        ("final writer published, nothing left", "yes" if final_ok else "NO"),
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]
    write_result("crash", result, rows)
    return result
