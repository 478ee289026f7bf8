"""Scores one question from what the system returned; pure, so every rule is unit-testable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval import metrics, multihop_metrics
from eval.backends import GoldArticle
from eval.datasets import Question
from service.types import AskResult, Passage, SearchResult

HIT_KS = (1, 5, 10)
# MultiHop-RAG's question types: its own metrics are computed for these questions only.
MULTIHOP_TYPES = frozenset({"inference_query", "comparison_query", "temporal_query", "null_query"})
SNIPPET_CHARS = 160


def is_yes_no(question: Question) -> bool:
    """The gold answer is Yes or No."""
    return bool(question.answers) and metrics.normalize_answer(question.answers[0]) in ("yes", "no")


def _canonical_golds(gold: Sequence[GoldArticle]) -> list[set[str]]:
    """One set of acceptable ids per distinct story (two gold copies of one story count once)."""
    stories: dict[str, set[str]] = {}
    for g in gold:
        stories.setdefault(g.canonical_id or g.id, set()).update({g.id, g.canonical_id or g.id})
    return list(stories.values())


def retrieval_ranks(passages: Sequence[Passage], gold: Sequence[GoldArticle]) -> dict[str, Any]:
    """Ranks of the gold stories among the distinct retrieved articles."""
    ranking = metrics.article_ranking(p.article_id for p in passages)
    stories = _canonical_golds(gold)
    story_ranks: list[int] = []
    for story in stories:
        ranks = metrics.gold_ranks(ranking, story)
        if ranks:
            story_ranks.append(min(ranks))
    return {"articles": ranking, "gold_ranks": sorted(story_ranks), "gold_count": len(stories)}


def score_retrieval(
    mode: str, ranks: Mapping[str, Any], passages: Sequence[Passage], question: Question
) -> dict[str, float | None]:
    """Flat scores `<mode>.<metric>` for one retrieval leg."""
    scores: dict[str, float | None] = {}
    gold_ranks: list[int] = ranks["gold_ranks"]
    has_gold = ranks["gold_count"] > 0
    for k in HIT_KS:
        scores[f"{mode}.hit@{k}"] = metrics.hit_at_k(gold_ranks, k) if has_gold else None
    scores[f"{mode}.mrr@10"] = metrics.mrr_at_k(gold_ranks, 10) if has_gold else None
    scores[f"{mode}.recall@10"] = (
        metrics.recall_at_k(gold_ranks, ranks["gold_count"], 10)
        if ranks["gold_count"] > 1
        else None
    )
    # A Yes/No answer is not something a passage holds: answer recall skips those questions.
    answerable = not question.unanswerable and not is_yes_no(question)
    answer_rank = (
        metrics.first_answer_rank([p.text for p in passages], question.answers)
        if answerable
        else None
    )
    for k in HIT_KS:
        scores[f"{mode}.answer_recall@{k}"] = (
            float(answer_rank is not None and answer_rank <= k) if answerable else None
        )
    if question.type in MULTIHOP_TYPES and question.type != "null_query" and question.gold_facts:
        mh = multihop_metrics.retrieval_scores([p.text for p in passages], question.gold_facts)
        scores[f"mhrag.{mode}.hits@4"] = mh.hits_at_4
        scores[f"mhrag.{mode}.hits@10"] = mh.hits_at_10
        scores[f"mhrag.{mode}.map@10"] = mh.map_at_10
        scores[f"mhrag.{mode}.mrr@10"] = mh.mrr_at_10
    return scores


def score_answer(question: Question, ask: AskResult) -> dict[str, float | None]:
    """EM, F1, contains, yes/no, and `correct` (abstained on unanswerable, else contains gold)."""
    prediction = "" if ask.abstained or ask.answer is None else ask.answer
    scores: dict[str, float | None] = {}
    if question.unanswerable:
        scores.update(exact_match=None, f1=None, contains=None, yes_no=None)
        scores["correct"] = float(ask.abstained)
    else:
        scores["exact_match"] = metrics.exact_match(prediction, question.answers)
        scores["f1"] = metrics.token_f1(prediction, question.answers)
        scores["contains"] = metrics.contains_answer(prediction, question.answers)
        scores["yes_no"] = (
            float(metrics.yes_no_label(prediction) == metrics.normalize_answer(question.answers[0]))
            if is_yes_no(question)
            else None
        )
        scores["correct"] = scores["contains"]
    if question.type in MULTIHOP_TYPES:
        # MultiHop-RAG's QA rule, scored on every type, null queries included (as theirs is).
        said = multihop_metrics.NO_ANSWER_TEXT if ask.abstained else (ask.answer or "")
        gold = question.answers[0] if question.answers else multihop_metrics.NO_ANSWER_TEXT
        scores["mhrag.qa_accuracy"] = multihop_metrics.qa_correct(said, gold)
    return scores


def snippet(passage: Passage) -> dict[str, Any]:
    text = " ".join(passage.text.split())
    short = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
    return {
        "chunk_id": passage.chunk_id,
        "article_id": passage.article_id,
        "score": round(passage.score, 6),
        "text": short,
    }


def build_row(
    question: Question,
    gold: Sequence[GoldArticle],
    searches: Mapping[str, SearchResult],
    ask: AskResult | None,
) -> dict[str, Any]:
    """The questions.jsonl row: the question, its gold, what came back, scores and timings."""
    scores: dict[str, float | None] = {}
    retrieval: dict[str, Any] = {}
    for mode, outcome in searches.items():
        ranks = retrieval_ranks(outcome.results, gold)
        retrieval[mode] = {
            "articles": ranks["articles"][:10],
            "gold_ranks": ranks["gold_ranks"],
            "answer_rank": (
                metrics.first_answer_rank([p.text for p in outcome.results], question.answers)
                if not question.unanswerable and not is_yes_no(question)
                else None
            ),
        }
        scores.update(score_retrieval(mode, ranks, outcome.results, question))
    if ask is not None:
        scores.update(score_answer(question, ask))
    years = sorted({str(g.published_at.year) for g in gold if g.published_at})
    sources = sorted({g.source for g in gold if g.source})
    return {
        "dataset": question.dataset,
        "id": question.id,
        "question": question.question,
        "type": question.type,
        "asked_at": question.asked_at.isoformat() if question.asked_at else None,
        "gold": {
            "answers": list(question.answers),
            "unanswerable": question.unanswerable,
            "gold_ids": list(question.gold_ids),
            "canonical_ids": {g.id: g.canonical_id for g in gold},
            "sources": sources,
            "years": years,
        },
        "answer": ask.answer if ask else None,
        "abstained": ask.abstained if ask else None,
        "confidence": ask.confidence if ask else None,
        "mode_used": ask.mode_used if ask else None,
        "fallback_reason": ask.fallback_reason if ask else None,
        "grounded": ask.grounded if ask else None,
        "llm_tokens": (
            {"prompt": ask.usage.prompt_tokens, "completion": ask.usage.completion_tokens}
            if ask and ask.usage is not None
            else None
        ),
        "index_version": ask.index_version if ask else None,
        "passages": [snippet(p) for p in ask.passages] if ask else [],
        "retrieval": retrieval,
        "scores": scores,
        "timings": {
            "ask_ms": ask.took_ms if ask else None,
            "search_ms": {mode: o.took_ms for mode, o in searches.items()},
        },
        "error": None,
    }
