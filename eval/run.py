"""One evaluation run: ask every question, append scored rows as they finish, then summarise.

Rows are appended and fsynced one by one, so an interrupted run restarts where it stopped: ids
with a good row are skipped, failed ones are asked again and the newest row wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import datasets
from eval.backends import Backend, GoldArticle
from eval.datasets import Question
from eval.scoring import build_row
from eval.splits import Half, select_half
from indexer.types import IngestProblem
from service.types import AnswerMode, AskResult, RetrievalMode, SearchResult

ROWS_FILE = "questions.jsonl"
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = ("keyword", "dense", "hybrid")
ANSWER_MODES: tuple[AnswerMode, ...] = ("auto", "extractive", "generative")


@dataclass(frozen=True)
class DatasetSpec:
    """A question file in a run; `ids` and `half` (eval/splits.py) restrict it, `limit` samples."""

    name: str
    path: Path
    ids: Path | None = None
    limit: int | None = None
    half: Half | None = None


@dataclass(frozen=True)
class RunOptions:
    answer_mode: AnswerMode = "auto"
    # One search call per mode and question, for the keyword/dense/hybrid comparison.
    retrieval_modes: tuple[RetrievalMode, ...] = RETRIEVAL_MODES
    top_k: int = 10  # passages /ask reads
    search_top_k: int = 20  # chunks per search call; article metrics use their distinct articles
    seed: int = 0
    limit: int | None = None  # overrides every dataset's own limit
    # False asks every question without its date (the question-only condition): "this week"
    # then means this week, and later articles are not filtered out.
    use_as_of: bool = True

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1. Currently, top_k is {self.top_k}")
        if self.search_top_k < 10:
            raise ValueError(
                f"search_top_k must be at least 10 (metrics go to @10). "
                f"Currently, search_top_k is {self.search_top_k}"
            )
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must be at least 0. Currently, limit is {self.limit}")
        if self.answer_mode not in ANSWER_MODES:
            raise ValueError(
                f"answer_mode must be one of {list(ANSWER_MODES)}. "
                f"Currently, answer_mode is {self.answer_mode!r}"
            )
        bad = [m for m in self.retrieval_modes if m not in RETRIEVAL_MODES]
        if bad:
            raise ValueError(f"unknown retrieval modes {bad}; use {list(RETRIEVAL_MODES)}")


def options_from(values: dict[str, Any]) -> RunOptions:
    """RunOptions from a suite's [run] table merged with command-line values."""
    known = {f.name for f in fields(RunOptions)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown run options {sorted(unknown)}; known: {sorted(known)}")
    merged = dict(values)
    if "retrieval_modes" in merged:
        merged["retrieval_modes"] = tuple(merged["retrieval_modes"])
    try:
        return RunOptions(**merged)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class Prepared:
    questions: tuple[Question, ...]
    problems: tuple[IngestProblem, ...]
    datasets: dict[str, Any] = field(default_factory=dict)


def prepare(specs: Sequence[DatasetSpec], options: RunOptions) -> Prepared:
    """Loads, restricts and samples every dataset; bad lines become problems, not failures."""
    questions: list[Question] = []
    problems: list[IngestProblem] = []
    info: dict[str, Any] = {}
    for spec in specs:
        loaded = datasets.load_questions(spec.path, spec.name)
        problems.extend(loaded.problems)
        ids = datasets.read_ids(spec.ids) if spec.ids else None
        limit = options.limit if options.limit is not None else spec.limit
        pool = select_half(loaded.questions, spec.half) if spec.half else loaded.questions
        chosen = datasets.select(pool, ids=ids, limit=limit, seed=options.seed)
        known = {q.id for q in loaded.questions}
        info[spec.name] = {
            "path": str(spec.path),
            "ids": str(spec.ids) if spec.ids else None,
            "half": spec.half,
            "limit": limit,
            "loaded": len(loaded.questions),
            "malformed": len(loaded.problems),
            "ids_not_found": sum(1 for i in ids if i not in known) if ids else 0,
            "selected": len(chosen),
        }
        questions.extend(chosen)
    return Prepared(tuple(questions), tuple(problems), info)


def evaluate_question(backend: Backend, question: Question, options: RunOptions) -> dict[str, Any]:
    """Asks one question (one /ask and three searches by default) and scores it.

    /ask goes first, as a user's question arrives: its time includes embedding the question.
    The searches after it find that vector cached, so theirs are the legs' own times."""
    gold: list[GoldArticle] = [backend.gold_article(g) for g in question.gold_ids]
    as_of = question.asked_at if options.use_as_of else None
    ask: AskResult = backend.ask(
        question.question, mode=options.answer_mode, top_k=options.top_k, as_of=as_of
    )
    searches: dict[str, SearchResult] = {}
    for mode in options.retrieval_modes:
        searches[mode] = backend.search(
            question.question, mode=mode, top_k=options.search_top_k, as_of=as_of
        )
    return build_row(question, gold, searches, ask)


def error_row(question: Question, message: str) -> dict[str, Any]:
    return {
        "dataset": question.dataset,
        "id": question.id,
        "question": question.question,
        "type": question.type,
        "error": message,
        "scores": {},
    }


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of questions.jsonl; a line cut short by an interruption is ignored."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "dataset" in row and "id" in row:
            rows.append(row)
    return rows


def latest_rows(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest row per `dataset/id`."""
    return {f"{r['dataset']}/{r['id']}": r for r in rows}


class RowWriter:
    """Appends one JSON line per question and fsyncs it, so a crash loses at most one."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = path.exists() and path.stat().st_size > 0 and _last_byte(path) != b"\n"
        self._file = path.open("a", encoding="utf-8")
        if needs_newline:
            self._file.write("\n")

    def write(self, row: dict[str, Any]) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def pending(questions: Sequence[Question], out_dir: Path) -> list[Question]:
    """The questions without a good row yet (all of them on a fresh run)."""
    done = {k for k, r in latest_rows(read_rows(out_dir / ROWS_FILE)).items() if not r.get("error")}
    return [q for q in questions if q.key not in done]


def execute(
    backend: Backend,
    questions: Sequence[Question],
    out_dir: Path,
    options: RunOptions,
    on_done: Callable[[Question, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Runs the pending questions, appending rows; returns the final row of every question."""
    writer = RowWriter(out_dir / ROWS_FILE)
    try:
        for question in pending(questions, out_dir):
            try:
                row = evaluate_question(backend, question, options)
            except Exception as exc:  # one failing question must not end a long run
                row = error_row(question, f"{type(exc).__name__}: {exc}")
            writer.write(row)
            if on_done is not None:
                on_done(question, row)
    finally:
        writer.close()
    latest = latest_rows(read_rows(out_dir / ROWS_FILE))
    return [latest[q.key] for q in questions if q.key in latest]


def default_out_dir(root: Path, name: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name) or "run"
    return root / f"{stamp}-{safe}"
