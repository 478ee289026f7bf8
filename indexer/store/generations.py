"""Crash-safe publishing of index generations: writer lock, temp dirs, CURRENT pointer, GC.

Layout of an index directory::

    CURRENT        text file naming the live generation, e.g. "gen-000007"
    LOCK           flock()ed by the one writer, holding its pid
    gen-000006/    an older generation, kept because a service may still be reading it
    gen-000007/    manifest.json, vectors.npy, [index.faiss], store.sqlite
    .tmp-.../      a generation being written; removed by the next writer if left behind

What a killed writer leaves (temp dirs, half-deleted trash, a generation renamed into place but
never made live, CURRENT.tmp, its pid in LOCK) is listed by `find_leftovers` (`newsqa index
status`) and removed by the next writer or by `clear_leftovers` (`newsqa index gc`), both only
while holding the writer lock, so never under a live writer's feet.

A generation is written whole into a temp dir, fsynced, renamed to gen-N, and only then made
live by atomically replacing CURRENT. A kill at any moment therefore leaves CURRENT naming a
complete generation, or no CURRENT at all (no index yet).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexLockedError, NoIndexError
from indexer.store.manifest import generation_name

CURRENT = "CURRENT"
LOCK = "LOCK"
KEEP_GENERATIONS = 3
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
_TMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"


def current_version(index_dir: Path) -> str | None:
    """The live generation's name, reading only CURRENT (cheap; for hot reload)."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_generation_dir(index_dir: Path) -> Path:
    """The live generation's directory; NoIndexError where none has been published."""
    name = current_version(index_dir)
    if name is None:
        raise NoIndexError(
            f"no index in {index_dir} yet; build one with `newsqa index build PATH...`"
        )
    return Path(index_dir) / name


def generation_number(name: str) -> int | None:
    match = _GEN_RE.match(name)
    return int(match.group(1)) if match else None


def _generations(index_dir: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for entry in index_dir.iterdir():
        number = generation_number(entry.name)
        if number is not None and entry.is_dir():
            found[number] = entry
    return found


@dataclass(frozen=True)
class Leftovers:
    """What killed writers left in an index directory (names relative to it)."""

    paths: tuple[str, ...] = ()  # temp dirs, trash, unpublished generations, CURRENT.tmp
    stale_pid: int | None = None  # a writer's pid in LOCK, though no process holds the lock
    writer_pid: int | None = None  # a live writer holds the lock: its files are work, not waste

    def __bool__(self) -> bool:
        return bool(self.paths) or self.stale_pid is not None

    def describe(self) -> str:
        """One line for `newsqa index status` and `gc`."""
        if self.writer_pid is not None:
            return f"a writer (pid {self.writer_pid}) is running; nothing is left over"
        parts = list(self.paths)
        if self.stale_pid is not None:
            parts.append(f"pid {self.stale_pid} in LOCK (no such writer is running)")
        return ", ".join(parts) if parts else "none"


def _lock_fd(index_dir: Path) -> int:
    index_dir.mkdir(parents=True, exist_ok=True)
    return os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _pid_in(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def _exclusive(index_dir: Path) -> Iterator[int]:
    """The writer lock, held; yields its fd. IndexLockedError naming the holder's pid."""
    fd = _lock_fd(index_dir)
    try:
        if not _try_lock(fd):
            holder = _pid_in(fd) or "unknown"
            raise IndexLockedError(
                f"index {index_dir} is locked by pid {holder} (another build/add/delete is running)"
            )
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's writer lock; a second writer fails at once with the holder's pid."""
    index_dir = Path(index_dir)
    with _exclusive(index_dir) as fd:
        # A kill -9 releases the flock with the process but leaves its pid: cleared here.
        _clean_leftovers(index_dir, _pid_in(fd))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # so a pid left in LOCK means a writer that was killed


def find_leftovers(index_dir: Path) -> Leftovers:
    """What killed writers left, changing nothing and taking no lock (a writer starting now
    must not find the index locked by a status check)."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return Leftovers()
    try:
        text = (index_dir / LOCK).read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        text = ""
    pid = int(text) if text.isdigit() else None
    # Writers clear their pid when they finish, so a pid there is a running or a killed one.
    if pid is not None and _alive(pid):
        return Leftovers(writer_pid=pid)
    return Leftovers(_leftover_paths(index_dir), pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def clear_leftovers(index_dir: Path) -> Leftovers:
    """Remove what killed writers left, under the writer lock; returns what was removed.

    IndexLockedError (nothing removed) while a live writer holds the lock.
    """
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return Leftovers()
    with _exclusive(index_dir) as fd:
        found = _clean_leftovers(index_dir, _pid_in(fd))
        os.ftruncate(fd, 0)
    return found


def _leftover_paths(index_dir: Path) -> tuple[str, ...]:
    live = current_version(index_dir)
    live_number = generation_number(live) if live else None
    names = [
        entry.name
        for entry in index_dir.iterdir()
        if entry.name.startswith((_TMP_PREFIX, _TRASH_PREFIX)) or entry.name == CURRENT + ".tmp"
    ]
    for number, path in _generations(index_dir).items():
        # Renamed into place but CURRENT never pointed at it: the writer died in between.
        if live_number is None or number > live_number:
            names.append(path.name)
    return tuple(sorted(names))


def _clean_leftovers(index_dir: Path, stale_pid: int | None) -> Leftovers:
    """Remove what a killed writer left (call under the lock): temp dirs, trash, generations
    never made live, CURRENT.tmp; returns what was there."""
    found = Leftovers(_leftover_paths(index_dir), stale_pid)
    for name in found.paths:
        _remove(index_dir / name)
    return found


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def new_temp_dir(index_dir: Path) -> Path:
    """An empty directory to write the next generation into (call under writer_lock)."""
    path = Path(index_dir) / f"{_TMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    path.mkdir()
    return path


@contextlib.contextmanager
def staging_dir(index_dir: Path) -> Iterator[Path]:
    """A temp dir for the next generation, removed again if writing it fails."""
    path = new_temp_dir(index_dir)
    try:
        yield path
    except BaseException:
        _remove(path)
        raise


def next_generation(index_dir: Path) -> int:
    numbers = list(_generations(Path(index_dir)))
    live = current_version(index_dir)
    if live and (live_number := generation_number(live)) is not None:
        numbers.append(live_number)
    return max(numbers, default=0) + 1


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, temp_dir: Path, generation: int) -> str:
    """Make a fully written temp dir the live generation, atomically; returns its name."""
    index_dir = Path(index_dir)
    for entry in temp_dir.iterdir():
        _fsync_path(entry)
    _fsync_path(temp_dir, directory=True)
    name = generation_name(generation)
    final = index_dir / name
    os.rename(temp_dir, final)
    _fsync_path(index_dir, directory=True)
    pointer = index_dir / (CURRENT + ".tmp")
    with pointer.open("w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_path(index_dir, directory=True)
    collect_garbage(index_dir)
    return name


def collect_garbage(index_dir: Path, keep: int = KEEP_GENERATIONS) -> list[str]:
    """Delete all but the newest `keep` generations (the live one always stays)."""
    live = current_version(index_dir)
    live_number = generation_number(live) if live else None
    removed: list[str] = []
    numbers = sorted(_generations(index_dir), reverse=True)
    for number in numbers[keep:]:
        if number == live_number:
            continue
        path = index_dir / generation_name(number)
        # Rename first so no half-deleted gen-N is ever seen under its real name.
        trash = index_dir / f"{_TRASH_PREFIX}{path.name}"
        os.rename(path, trash)
        _remove(trash)
        removed.append(path.name)
    return removed


def disk_size(index_dir: Path) -> int:
    """Bytes used by the live generation's files."""
    try:
        gen_dir = current_generation_dir(index_dir)
    except NoIndexError:
        return 0
    return sum(p.stat().st_size for p in gen_dir.iterdir() if p.is_file())
