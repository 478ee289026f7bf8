"""`newsqa eval calibrate fit|report`: fit the reader's ranker and confidence, and measure them.

Scored with `eval.metrics` (SQuAD's normalisation), the same rule eval reports with. The service
only loads the result (service/reading/calibration.json, `service.reading.calibration`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import numpy as np
import typer

from eval import metrics
from indexer.protocols import Embedder
from indexer.types import Chunk
from service.reading.calibration import CONFIDENCE_FEATURES, DEFAULT_PATH, Calibration
from service.reading.reader import FEATURES, ExtractiveReader
from service.retrieval.search import HybridRetriever
from service.types import RetrievalHit

if TYPE_CHECKING:
    from indexer.protocols import IndexReader

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, help="Fit and measure the reader's ranker and confidence.")


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answers: tuple[str, ...]
    gold_ids: tuple[str, ...]
    asked_at: date | None = None


def load_items(questions: Path, *, ids: set[str] | None, exclude: set[str] | None) -> list[QAItem]:
    """Questions with answers; only `ids` (if given), never `exclude`."""
    items = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row["answers"] or row.get("answer_in_evidence") is False:
            continue
        if (ids is not None and row["id"] not in ids) or (exclude and row["id"] in exclude):
            continue
        asked = date.fromisoformat(row["asked_at"]) if row.get("asked_at") else None
        answers, gold = tuple(row["answers"]), tuple(row["gold_ids"])
        items.append(QAItem(row["id"], row["question"], answers, gold, asked))
    return items


def oracle_hits(
    item: QAItem, corpus: Mapping[str, Mapping[str, object]], embedder: Embedder | None = None
) -> list[RetrievalHit]:
    """The gold articles as one whole-article chunk each: reads without retrieval.

    With an embedder, each hit carries its cosine to the question as the dense leg would.
    """
    hits = []
    for rank, article_id in enumerate(item.gold_ids):
        article = corpus.get(article_id)
        if article is None:
            continue
        text = str(article["text"])
        chunk = Chunk(
            id=f"{article_id}#0",
            article_id=article_id,
            ordinal=0,
            text=text,
            start=0,
            end=len(text),
            token_count=0,
            title=_opt_str(article.get("title")),
            source=_opt_str(article.get("source")),
        )
        dense = None
        if embedder is not None:
            vector = embedder.embed_documents([text])[0]
            dense = float(vector @ embedder.embed_query(item.question))
        hits.append(RetrievalHit(chunk=chunk, score=1.0 / (1 + rank), dense_score=dense))
    return hits


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def load_corpus(paths: list[Path]) -> dict[str, dict[str, object]]:
    corpus: dict[str, dict[str, object]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            corpus[row["id"]] = row
    return corpus


def fit(
    reader: ExtractiveReader, items: list[QAItem], hits: Callable[[QAItem], list[RetrievalHit]]
) -> Calibration:
    """Fit the ranker (logistic over candidates) then the confidence map (logistic + isotonic)."""
    from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    per_question = []
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in _progress(items, "features"):
        candidates = reader.candidates(item.question, hits(item))
        per_question.append((item, candidates))
        for candidate in candidates:
            rows.append([candidate.features[name] for name in FEATURES])
            labels.append(int(metrics.exact_match(candidate.span.text, item.answers)))
    matrix = np.array(rows)  # (candidates, features)
    ranker = LogisticRegression(C=1.0, max_iter=2000).fit(matrix, np.array(labels))
    weights = {n: float(w) for n, w in zip(FEATURES, ranker.coef_[0], strict=True)}
    # A feature that never varies here (support: one gold passage per question) cannot be
    # learned from these data, so it keeps the starting prior instead of a meaningless 0.
    for column, name in enumerate(FEATURES):
        if np.ptp(matrix[:, column]) == 0:
            weights[name] = reader.calibration.weights.get(name, 0.0)
    draft = Calibration(weights=weights, bias=float(ranker.intercept_[0]))
    conf_rows: list[list[float]] = []
    conf_labels: list[int] = []
    for item, candidates in per_question:
        if not candidates:
            continue
        scored = sorted(candidates, key=lambda c: draft.rank_score(c.features), reverse=True)
        best = draft.rank_score(scored[0].features)
        second = draft.rank_score(scored[1].features) if len(scored) > 1 else None
        values = draft.confidence_features(best, second, scored[0].features)
        conf_rows.append([values[name] for name in CONFIDENCE_FEATURES])
        conf_labels.append(int(metrics.exact_match(scored[0].span.text, item.answers)))
    platt = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(conf_rows), np.array(conf_labels))
    logits = platt.decision_function(np.array(conf_rows))
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(1 / (1 + np.exp(-logits)), np.array(conf_labels))
    return Calibration(
        weights=draft.weights,
        bias=draft.bias,
        confidence_weights={
            n: float(w) for n, w in zip(CONFIDENCE_FEATURES, platt.coef_[0], strict=True)
        },
        confidence_bias=float(platt.intercept_[0]),
        isotonic_x=tuple(round(float(x), 6) for x in iso.X_thresholds_),
        isotonic_y=tuple(round(float(y), 6) for y in iso.y_thresholds_),
        fitted_on=f"{len(per_question)} RealTime QA dev questions (oracle passages), "
        f"{len(rows)} candidates",
    )


def measure(
    reader: ExtractiveReader, items: list[QAItem], hits: Callable[[QAItem], list[RetrievalHit]]
) -> dict[str, object]:
    """EM, F1, coverage, and accuracy by confidence bucket with ECE (over all top answers)."""
    em = f1 = answered = 0.0
    confidences: list[float] = []
    correct: list[bool] = []
    latencies: list[float] = []
    for item in _progress(items, "reading"):
        passages = hits(item)
        started = time.perf_counter()
        candidates = reader.candidates(item.question, passages)
        answer = reader.answer_from(candidates)
        latencies.append((time.perf_counter() - started) * 1000)
        top = candidates[0].span.text if candidates else ""
        confidences.append(answer.confidence)
        correct.append(bool(top) and metrics.exact_match(top, item.answers) == 1.0)
        if not answer.abstained and answer.text is not None:
            answered += 1
            em += metrics.exact_match(answer.text, item.answers)
            f1 += metrics.token_f1(answer.text, item.answers)
    n = max(1, len(items))
    buckets, ece = metrics.calibration(confidences, correct)
    return {
        "questions": len(items),
        "exact_match": round(em / n, 4),
        "f1": round(f1 / n, 4),
        "answered": round(answered / n, 4),
        "top_answer_accuracy": round(sum(correct) / n, 4),
        "ece": round(ece or 0.0, 4),
        "buckets": [
            {
                "bucket": f"{b.lo:.1f}-{b.hi:.1f}",
                "n": b.count,
                "confidence": round(b.confidence, 3),
                "accuracy": round(b.accuracy or 0.0, 3),
            }
            for b in buckets
            if b.count and b.confidence is not None
        ],
        "reader_ms_median": round(float(np.median(latencies)) if latencies else 0.0, 1),
    }


def _progress(items: Iterable[T], label: str) -> Iterator[T]:
    from rich.progress import track

    yield from track(list(items), description=label)


def _entity_answer(item: QAItem) -> bool:
    """MultiHop-RAG answers that name something (not Yes/No or 'Insufficient information')."""
    return item.answers[0].strip(". ").lower() not in {"yes", "no", "insufficient information"}


DataOpt = Annotated[Path, typer.Option(help="The shared data folder.")]
NoNerOpt = Annotated[bool, typer.Option("--no-ner", help="Patterns only (no spaCy).")]
LimitOpt = Annotated[int, typer.Option(help="First N questions only (0: all).")]


def _embedder() -> Embedder:
    from indexer.embedding.transformer import load_embedder
    from service.config import Settings

    settings = Settings()
    return load_embedder(settings.embedding_model, cache_dir=settings.cache_dir)


def _sample_ids(data: Path) -> set[str]:
    return set((data / "questions" / "realtimeqa_sample_1000.ids").read_text().split())


@app.command("fit")
def fit_command(
    data: DataOpt = Path("../shared/data"),
    out: Annotated[Path, typer.Option(help="Where the fitted JSON goes.")] = DEFAULT_PATH,
    limit: LimitOpt = 0,
    no_ner: NoNerOpt = False,
) -> None:
    """Fit on RealTime QA questions outside the reported sample, over their gold articles."""
    embedder = _embedder()
    corpus = load_corpus([data / "corpus" / "realtimeqa_news.jsonl"])
    items = load_items(data / "questions" / "realtimeqa.jsonl", ids=None, exclude=_sample_ids(data))
    items = items[:limit] if limit else items
    reader = ExtractiveReader(embedder, calibration=Calibration(), tagger=not no_ner)
    fitted = fit(reader, items, lambda item: oracle_hits(item, corpus, embedder))
    out.write_text(fitted.to_json(), encoding="utf-8")
    typer.echo(f"wrote {out}: {fitted.fitted_on}")


@app.command("report")
def report_command(
    data: DataOpt = Path("../shared/data"),
    question_set: Annotated[
        Literal["sample", "multihop"], typer.Option("--set", help="Which questions.")
    ] = "sample",
    passages: Annotated[
        Literal["oracle", "retrieved"], typer.Option(help="Gold articles, or retrieved.")
    ] = "oracle",
    index: Annotated[Path | None, typer.Option(help="Index for --passages retrieved.")] = None,
    top_k: Annotated[int, typer.Option(help="Passages retrieved.")] = 5,
    limit: LimitOpt = 0,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON here.")] = None,
    no_ner: NoNerOpt = False,
) -> None:
    """EM, F1, coverage and calibration of the committed calibration, as JSON."""
    from service.reading.calibration import load_calibration

    embedder = _embedder()
    questions = data / "questions"
    if question_set == "sample":
        corpus = load_corpus([data / "corpus" / "realtimeqa_news.jsonl"])
        items = load_items(questions / "realtimeqa.jsonl", ids=_sample_ids(data), exclude=None)
    else:
        corpus = load_corpus([data / "corpus" / "multihop_facts.jsonl"])
        every = load_items(questions / "multihop_500.jsonl", ids=None, exclude=None)
        items = [item for item in every if _entity_answer(item)]
    items = items[:limit] if limit else items
    reader = ExtractiveReader(embedder, calibration=load_calibration(), tagger=not no_ner)
    hits: Callable[[QAItem], list[RetrievalHit]] = lambda item: oracle_hits(item, corpus, embedder)  # noqa: E731
    if passages == "retrieved":
        if index is None:
            raise typer.BadParameter("--passages retrieved needs --index DIR")
        retriever = _retriever(index, embedder)
        hits = lambda item: retriever.search(item.question, top_k, as_of=item.asked_at)  # noqa: E731
    result = measure(reader, items, hits)
    result.update({"set": question_set, "passages": passages, "top_k": top_k})
    text = json.dumps(result, indent=2)
    typer.echo(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


def _retriever(index_dir: Path, embedder: Embedder) -> HybridRetriever:
    from indexer.store.reader import open_index

    index: IndexReader = open_index(index_dir)
    index.prepare_for_queries()
    return HybridRetriever(index, embedder)
