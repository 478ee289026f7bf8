"""The corpus that ships in corpus/ and the seed questions written over it."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import frontmatter
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "corpus"
QUESTIONS = REPO_ROOT / "eval" / "datasets" / "newsqa_seed.jsonl"
# Written over the same briefs in other words, never fitted on; 15 have no answer anywhere.
HOLDOUT = REPO_ROOT / "eval" / "datasets" / "newsqa_holdout.jsonl"
# More questions in users' words, every one answerable: never fitted on, a dev set.
USERS = REPO_ROOT / "eval" / "datasets" / "newsqa_users.jsonl"
SEED_SOURCE = "newsqa seed article"
QUESTION_TYPES = {"who", "which_org", "when", "how_many", "how_much", "where", "what"}
# Longest run of words a brief may share with the article it retells.
MAX_SHARED_RUN = 7

_WORD = re.compile(r"[a-z0-9]+(?:['.,][a-z0-9]+)*")


def _brief_paths() -> list[Path]:
    return sorted(p for p in CORPUS_DIR.glob("*.md") if p.name != "README.md")


def _load_briefs() -> dict[str, frontmatter.Post]:
    return {str(post["id"]): post for post in map(frontmatter.load, _brief_paths())}


def _words(text: str) -> list[str]:
    # Curly quotes and dashes must not hide a copied run.
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return _WORD.findall(text)


def _longest_shared_run(text: str, source: str) -> tuple[int, str]:
    """Length of the longest run of words `text` shares with `source`, and that run."""
    a, b = _words(text), _words(source)
    best, end = 0, 0
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best, end = current[j], i
        previous = current
    return best, " ".join(a[end - best : end])


def _questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_brief_has_valid_front_matter() -> None:
    paths = _brief_paths()
    assert len(paths) >= 45
    ids: list[str] = []
    for path in paths:
        post = frontmatter.load(path)
        where = path.name
        assert isinstance(post.get("id"), str) and post["id"], where
        assert path.stem == post["id"], f"{where}: file name and id differ"
        assert isinstance(post.get("title"), str) and post["title"].strip(), where
        assert isinstance(post.get("source"), str) and post["source"].strip(), where
        assert post.get("author") == "newsqa editors", where
        assert isinstance(post.get("published_at"), date), f"{where}: published_at not a date"
        url = post.get("url")
        assert url is None or str(url).startswith("https://"), where
        words = len(post.content.split())
        assert 120 <= words <= 320, f"{where}: {words} words"
        assert post.content.rstrip().splitlines()[-1].startswith("Based on reporting"), where
        ids.append(post["id"])
    assert len(ids) == len(set(ids)), "duplicate brief ids"


def test_read_sources_reads_the_corpus_cleanly() -> None:
    from indexer.sources.read import read_sources

    report = read_sources([CORPUS_DIR])
    assert [str(p) for p in report.problems] == []
    assert sorted(a.id for a in report.articles) == sorted(_load_briefs())
    assert all(a.published_at is not None and a.source for a in report.articles)


@pytest.mark.parametrize(
    ("path", "sizes"), [(QUESTIONS, (40, 60)), (HOLDOUT, (60, 90)), (USERS, (100, 200))]
)
def test_question_sets_match_the_schema_and_the_corpus(path: Path, sizes: tuple[int, int]) -> None:
    briefs = _load_briefs()
    questions = _questions(path)
    assert sizes[0] <= len(questions) <= sizes[1]
    assert len({q["id"] for q in questions}) == len(questions), "duplicate question ids"
    assert len({q["question"].lower() for q in questions}) == len(questions)
    for q in questions:
        qid = q["id"]
        assert set(q) - {"also_gold_ids"} == {
            "id", "question", "answers", "type", "gold_ids", "asked_at"
        }, qid  # fmt: skip
        assert q["type"] in QUESTION_TYPES, qid
        asked = date.fromisoformat(q["asked_at"])
        if not q["answers"]:  # no article states the answer: only the held-out set has these
            assert path == HOLDOUT and not q["gold_ids"], qid
            continue
        assert all(isinstance(a, str) and a for a in q["answers"]), qid
        assert q["gold_ids"], qid
        missing = [g for g in q["gold_ids"] if g not in briefs]
        assert not missing, f"{qid}: unknown gold ids {missing}"
        gold = [briefs[g] for g in q["gold_ids"]]
        assert all(asked > post["published_at"] for post in gold), f"{qid}: asked too early"
        best = q["answers"][0]
        assert any(best in post.content for post in gold), f"{qid}: {best!r} not in gold text"


def test_the_held_out_questions_are_not_the_seed_questions_reworded_from_the_briefs() -> None:
    """New questions, not the fitted ones again, and in the asker's words, not a brief's."""
    seed = {q["question"].lower() for q in _questions()}
    briefs = [f"{post['title']}\n{post.content}" for post in _load_briefs().values()]
    for q in _questions(HOLDOUT):
        assert q["question"].lower() not in seed, q["id"]
        longest = max(_longest_shared_run(q["question"], brief)[0] for brief in briefs)
        assert longest <= 5, f"{q['id']} repeats {longest} words of a brief"


def test_the_users_questions_ask_what_no_seed_or_held_out_question_asks() -> None:
    """A dev set of its own: no question again, and no brief's answer that another set's
    question about that brief already has."""
    others = _questions() + _questions(HOLDOUT)
    asked = {q["question"].lower() for q in others}
    answered = {(g, a.lower()) for q in others for g in q["gold_ids"] for a in q["answers"]}
    for q in _questions(USERS):
        assert q["question"].lower() not in asked, q["id"]
        repeated = [a for g in q["gold_ids"] for a in q["answers"] if (g, a.lower()) in answered]
        assert not repeated, f"{q['id']} asks what another set asks: {repeated}"


def test_the_lab_leader_question_is_in_the_seed_set() -> None:
    wanted = [
        q for q in _questions() if q["question"].lower() == "who leads superintelligence labs?"
    ]
    assert len(wanted) == 1
    assert wanted[0]["answers"][0] == "Alexandr Wang"


@pytest.mark.shared
def test_briefs_do_not_copy_their_sources(shared_data_dir: Path) -> None:
    corpus = shared_data_dir / "corpus"
    by_url: dict[str, str] = {}
    for name in ("thebatch_2025.jsonl", "seed.jsonl"):
        for line in (corpus / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            key = row["url"] or SEED_SOURCE
            by_url[key] = f"{row['title'] or ''}\n{row['text']}"
    copied = []
    for post in _load_briefs().values():
        key = SEED_SOURCE if post["source"] == SEED_SOURCE else str(post.get("url"))
        assert key in by_url, f"{post['id']}: no shared article for {key}"
        text = f"{post['title']}\n{post.content}"
        length, run = _longest_shared_run(text, by_url[key])
        if length > MAX_SHARED_RUN:
            copied.append(f"{post['id']}: {length} words: {run!r}")
    assert not copied, "\n".join(copied)


@pytest.mark.shared
@pytest.mark.parametrize("path", [QUESTIONS, HOLDOUT, USERS])
def test_also_gold_ids_are_the_retold_articles_and_state_the_answer(
    shared_data_dir: Path, path: Path
) -> None:
    """A seed question's also_gold_ids: the shared article its brief retells, holding the answer."""
    corpus = shared_data_dir / "corpus"
    articles: dict[str, dict[str, Any]] = {}
    for name in ("thebatch_2025.jsonl", "seed.jsonl"):
        for line in (corpus / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            articles[row["id"]] = row
    briefs = _load_briefs()
    with_sources = 0
    questions = [q for q in _questions(path) if q["answers"]]
    for q in questions:
        retold = {
            row["id"]
            for gold in q["gold_ids"]
            for row in articles.values()
            if (row["url"] or SEED_SOURCE)
            == (SEED_SOURCE if briefs[gold]["source"] == SEED_SOURCE else briefs[gold]["url"])
        }
        for extra in q.get("also_gold_ids", []):
            assert extra in retold, f"{q['id']}: {extra} is not the article a gold brief retells"
            text = " ".join(f"{articles[extra]['title']} {articles[extra]['text']}".split())
            assert any(a.lower() in text.lower() for a in q["answers"]), (q["id"], extra)
            with_sources += 1
    # Nearly every brief retells a shared article.
    assert with_sources >= 0.8 * len(questions)
