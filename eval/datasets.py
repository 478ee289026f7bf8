"""Question files (JSON Lines, the schema of shared/data/README.md), id lists and sampling."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from indexer.errors import IngestError
from indexer.types import IngestProblem

# The gold answer MultiHop-RAG gives its null queries: the corpus holds no answer.
NO_ANSWER_MARKERS = frozenset({"insufficient information", "insufficient information."})


@dataclass(frozen=True)
class Question:
    """One evaluation question; `dataset` names the file (or suite entry) it came from."""

    id: str
    question: str
    answers: tuple[str, ...]
    dataset: str
    type: str = "unknown"
    asked_at: date | None = None
    gold_ids: tuple[str, ...] = ()
    gold_facts: tuple[str, ...] = ()

    @property
    def unanswerable(self) -> bool:
        """No gold answers, or only "Insufficient information.": the corpus holds no answer."""
        return not self.answers or all(a.strip().lower() in NO_ANSWER_MARKERS for a in self.answers)

    @property
    def key(self) -> str:
        """Unique across the datasets of one run."""
        return f"{self.dataset}/{self.id}"


@dataclass(frozen=True)
class LoadedQuestions:
    questions: tuple[Question, ...]
    problems: tuple[IngestProblem, ...] = field(default_factory=tuple)


def _str_list(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return tuple(value)


def _parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'asked_at' must be an ISO 8601 date string or null")
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise ValueError(f"'asked_at' is not an ISO 8601 date: {value!r}") from None


def parse_question(record: object, dataset: str) -> Question:
    """One decoded JSON line to a Question; ValueError says what is wrong."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    qid, text = record.get("id"), record.get("question")
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError("'id' must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'question' must be a non-empty string")
    if "answers" not in record:
        raise ValueError("'answers' is missing (use [] where the corpus holds no answer)")
    qtype = record.get("type") or "unknown"
    if not isinstance(qtype, str):
        raise ValueError("'type' must be a string")
    return Question(
        id=qid,
        question=text,
        answers=_str_list(record["answers"], "answers"),
        dataset=dataset,
        type=qtype,
        asked_at=_parse_date(record.get("asked_at")),
        # also_gold_ids: other articles that state the answer too (for our seed questions, the
        # article each brief retells); retrieving one counts the same as a gold article.
        gold_ids=tuple(
            dict.fromkeys(
                _str_list(record.get("gold_ids"), "gold_ids")
                + _str_list(record.get("also_gold_ids"), "also_gold_ids")
            )
        ),
        gold_facts=_str_list(record.get("gold_facts"), "gold_facts"),
    )


def load_questions(path: Path, dataset: str | None = None) -> LoadedQuestions:
    """Every valid question of a file; each bad line becomes a problem (file:line: reason)."""
    name = dataset or path.stem
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read question file: {exc}") from exc
    questions: list[Question] = []
    problems: list[IngestProblem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = parse_question(json.loads(line), name)
        except json.JSONDecodeError as exc:
            problems.append(IngestProblem(str(path), number, f"invalid JSON: {exc.msg}"))
            continue
        except ValueError as exc:
            problems.append(IngestProblem(str(path), number, str(exc)))
            continue
        if question.id in seen:
            problems.append(IngestProblem(str(path), number, f"duplicate id {question.id!r}"))
            continue
        seen.add(question.id)
        questions.append(question)
    return LoadedQuestions(tuple(questions), tuple(problems))


def read_ids(path: Path) -> list[str]:
    """Ids one a line; blank lines and # comments are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read id list: {exc}") from exc
    return [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]


def select(
    questions: Sequence[Question],
    *,
    ids: Iterable[str] | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> list[Question]:
    """Restrict to `ids`, then sample `limit` with random.Random(seed); file order is kept."""
    chosen = list(questions)
    if ids is not None:
        wanted = set(ids)
        chosen = [q for q in chosen if q.id in wanted]
    if limit is not None and limit < len(chosen):
        if limit < 0:
            raise ValueError(f"limit must be at least 0. Currently, limit is {limit}")
        picked = sorted(random.Random(seed).sample(range(len(chosen)), limit))
        chosen = [chosen[i] for i in picked]
    return chosen
