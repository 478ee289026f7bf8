"""One question scored from what came back: de-duplicated gold, abstentions, MultiHop rules."""

from __future__ import annotations

from datetime import date

import pytest

from eval.backends import GoldArticle
from eval.datasets import Question
from eval.scoring import build_row
from service.types import AskResult, Passage, SearchResult


def _passage(chunk_id: str, article_id: str, text: str, score: float) -> Passage:
    return Passage(
        chunk_id=chunk_id, article_id=article_id, title=None, source=None, url=None,
        published_at=None, text=text, start=0, end=len(text), score=score,
    )  # fmt: skip


def _passages(*pairs: tuple[str, str]) -> list[Passage]:
    return [_passage(f"{a}#{i}", a, text, 1.0 - i / 10) for i, (a, text) in enumerate(pairs)]


def _search(passages: list[Passage], version: str, took_ms: float) -> SearchResult:
    return SearchResult(results=passages, index_version=version, took_ms=took_ms)


def _ask(answer: str | None, *, abstained: bool = False, confidence: float = 0.8) -> AskResult:
    return AskResult(
        answer=answer, abstained=abstained, confidence=confidence, mode_used="extractive",
        citations=[], passages=[], index_version="gen-000001", took_ms=12.0,
        grounded=not abstained,
    )  # fmt: skip


def test_a_retrieved_duplicate_of_the_gold_story_is_a_hit() -> None:
    q = Question("q1", "Who runs Zorblat?", ("Quimby",), "d", gold_ids=("copy", "other"))
    gold = [
        GoldArticle("copy", "canon", "Wire", date(2024, 5, 1)),  # indexed as "canon"
        GoldArticle("other", "other", "Daily", date(2025, 1, 2)),
    ]
    hits = _passages(("x", "nothing"), ("canon", "Quimby runs it."), ("canon", "more"))
    search = _search(hits, "gen-000001", 5.0)
    row = build_row(q, gold, {"hybrid": search}, _ask("Quimby"))
    s = row["scores"]
    assert row["retrieval"]["hybrid"]["articles"] == ["x", "canon"]
    assert (s["hybrid.hit@1"], s["hybrid.hit@5"], s["hybrid.mrr@10"]) == (0.0, 1.0, 0.5)
    assert s["hybrid.recall@10"] == 0.5  # one of two gold stories
    assert s["hybrid.answer_recall@1"] == 0.0 and s["hybrid.answer_recall@5"] == 1.0
    assert (s["exact_match"], s["f1"], s["contains"], s["correct"]) == (1.0, 1.0, 1.0, 1.0)
    assert s["yes_no"] is None
    assert row["gold"]["sources"] == ["Daily", "Wire"] and row["gold"]["years"] == ["2024", "2025"]


def test_two_gold_copies_of_one_story_count_once() -> None:
    q = Question("q1", "?", ("x",), "d", gold_ids=("a", "b"))
    gold = [GoldArticle("a", "a", None, None), GoldArticle("b", "a", None, None)]
    row = build_row(q, gold, {"dense": _search(_passages(("a", "t")), "g", 1.0)}, None)
    assert row["scores"]["dense.hit@1"] == 1.0
    assert row["scores"]["dense.recall@10"] is None  # one story: Recall@10 does not apply


def test_gold_missing_from_the_index_and_empty_retrieval_score_zero() -> None:
    q = Question("q1", "?", ("x",), "d", gold_ids=("gone",))
    row = build_row(
        q, [GoldArticle("gone", None, None, None)], {"hybrid": _search([], "g", 1.0)}, None
    )
    assert row["scores"]["hybrid.hit@10"] == 0.0 and row["scores"]["hybrid.mrr@10"] == 0.0
    assert row["gold"]["sources"] == []


def test_unanswerable_question_is_correct_only_when_abstained() -> None:
    q = Question("q", "?", (), "d")
    right = build_row(q, [], {}, _ask(None, abstained=True))["scores"]
    wrong = build_row(q, [], {}, _ask("Quimby"))["scores"]
    assert right["correct"] == 1.0 and wrong["correct"] == 0.0
    assert right["exact_match"] is None and right["f1"] is None


def test_abstaining_on_an_answerable_question_scores_zero() -> None:
    q = Question("q", "?", ("Quimby", "Q. Quimby"), "d")
    s = build_row(q, [], {}, _ask("Quimby", abstained=True))["scores"]
    assert (s["exact_match"], s["f1"], s["correct"]) == (0.0, 0.0, 0.0)


def test_yes_no_questions() -> None:
    q = Question("q", "?", ("No",), "d")
    assert build_row(q, [], {}, _ask("No, it does not."))["scores"]["yes_no"] == 1.0
    assert build_row(q, [], {}, _ask("Yes."))["scores"]["yes_no"] == 0.0


def test_multihop_questions_get_the_authors_metrics() -> None:
    facts = ("Zorblat raised ten million.",)
    q = Question("m", "?", ("Yes",), "mh", type="comparison_query", gold_facts=facts)
    hits = _passages(("a", "x"), ("b", "Zorblat raised ten million."))
    s = build_row(q, [], {"hybrid": _search(hits, "g", 1.0)}, _ask("yes indeed"))["scores"]
    assert s["mhrag.hybrid.mrr@10"] == 0.5
    assert s["mhrag.hybrid.map@10"] == pytest.approx(0.5)
    assert s["mhrag.qa_accuracy"] == 1.0

    null = Question("n", "?", ("Insufficient information.",), "mh", type="null_query")
    sn = build_row(null, [], {"hybrid": _search(hits, "g", 1.0)}, _ask(None, abstained=True))
    assert "mhrag.hybrid.hits@10" not in sn["scores"]  # null queries: no retrieval scoring
    assert sn["scores"]["mhrag.qa_accuracy"] == 1.0  # abstention read as their no-answer text
    assert sn["scores"]["correct"] == 1.0


def test_non_multihop_questions_have_no_authors_metrics() -> None:
    q = Question("q", "?", ("x",), "d", type="news_quiz")
    assert not any(k.startswith("mhrag") for k in build_row(q, [], {}, _ask("x"))["scores"])


def test_yes_no_gold_is_left_out_of_answer_recall() -> None:
    q = Question("q", "?", ("Yes",), "d", gold_ids=("a",))
    hits = _passages(("a", "Yes, they said."))
    s = build_row(q, [GoldArticle("a", "a", None, None)], {"hybrid": _search(hits, "g", 1)}, None)[
        "scores"
    ]
    assert s["hybrid.answer_recall@10"] is None and s["hybrid.hit@1"] == 1.0
