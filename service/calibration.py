"""The reader's fitted parameters: a linear candidate ranker and a calibrated confidence.

Both are fitted on RealTime QA dev questions (the extractive ones outside the held-out sample)
by `python -m service.calibration fit` and committed as service/calibration.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from indexer.protocols import Embedder
from indexer.types import Chunk
from service.types import RetrievalHit

if TYPE_CHECKING:
    from service.reader import ExtractiveReader

T = TypeVar("T")

DEFAULT_PATH = Path(__file__).with_name("calibration.json")

# What the confidence model sees of the winning candidate, besides the ranker's margin.
CONFIDENCE_FEATURES = ("top", "margin", "dense", "keyword", "type_fit", "support")

# Hand-set starting point, used where no calibration file exists (and to fit the first one).
_DEFAULT_WEIGHTS = {
    "dense": 2.0,
    "keyword": 2.0,
    "sentence_rank": 1.0,
    "hit_rank": 0.5,
    "type_fit": 3.0,
    "proximity": 1.5,
    "role": 1.0,
    "support": 1.0,
    "mentions": 0.5,
    "overlap": -3.0,
    "ner_fit": 0.5,
    "length": 0.0,
}


@dataclass(frozen=True)
class Calibration:
    """Ranker weights over candidate features, and a logistic + isotonic confidence map."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    bias: float = -5.0
    confidence_weights: Mapping[str, float] = field(
        default_factory=lambda: {"top": 4.0, "margin": 2.0}
    )
    confidence_bias: float = -2.5
    # Isotonic map from the logistic output to observed accuracy: x ascending, y in 0..1.
    isotonic_x: tuple[float, ...] = ()
    isotonic_y: tuple[float, ...] = ()
    fitted_on: str = "hand-set defaults"

    def rank_score(self, features: Mapping[str, float]) -> float:
        """The ranker's logit for one candidate."""
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def confidence_features(
        self, best: float, second: float | None, features: Mapping[str, float]
    ) -> dict[str, float]:
        top = _sigmoid(best)
        runner_up = _sigmoid(second) if second is not None else 0.0
        values = {"top": top, "margin": top - runner_up}
        values.update({k: features.get(k, 0.0) for k in CONFIDENCE_FEATURES if k not in values})
        return values

    def confidence(self, best: float, second: float | None, features: Mapping[str, float]) -> float:
        """Probability that the best candidate is right, 0..1."""
        values = self.confidence_features(best, second, features)
        logit = self.confidence_bias + sum(
            w * values.get(name, 0.0) for name, w in self.confidence_weights.items()
        )
        p = _sigmoid(logit)
        if self.isotonic_x:
            xs, ys = self._isotonic_arrays
            p = float(np.interp(p, xs, ys))
        return min(1.0, max(0.0, p))

    @cached_property
    def _isotonic_arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        # Converted once: np.interp turning the tuples into arrays on every call was 4% of a
        # worker's CPU under load (py-spy).
        return np.asarray(self.isotonic_x), np.asarray(self.isotonic_y)

    def to_json(self) -> str:
        data = asdict(self)
        data["weights"] = dict(self.weights)
        data["confidence_weights"] = dict(self.confidence_weights)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            confidence_weights={k: float(v) for k, v in data["confidence_weights"].items()},
            confidence_bias=float(data["confidence_bias"]),
            isotonic_x=tuple(float(v) for v in data.get("isotonic_x", ())),
            isotonic_y=tuple(float(v) for v in data.get("isotonic_y", ())),
            fitted_on=str(data.get("fitted_on", "")),
        )


def load_calibration(path: Path | None = None) -> Calibration:
    """The committed calibration, or the hand-set defaults where the file is absent."""
    path = path or DEFAULT_PATH
    if not path.is_file():
        return Calibration()
    try:
        return Calibration.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a reader calibration file ({exc})") from exc


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# ---------------------------------------------------------------------------------------------
# Fitting and measuring (offline; `python -m service.calibration fit|report --data DIR`).


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


def token_f1(prediction: str, answers: tuple[str, ...]) -> float:
    """SQuAD token F1 against the best-matching gold answer."""
    from service.reader import normalize_answer

    pred = normalize_answer(prediction).split()
    best = 0.0
    for answer in answers:
        gold = normalize_answer(answer).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact_match(prediction: str, answers: tuple[str, ...]) -> bool:
    from service.reader import normalize_answer

    return any(normalize_answer(prediction) == normalize_answer(a) for a in answers)


def fit(
    reader: ExtractiveReader, items: list[QAItem], hits: Callable[[QAItem], list[RetrievalHit]]
) -> Calibration:
    """Fit the ranker (logistic over candidates) then the confidence map (logistic + isotonic)."""
    from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    from service.reader import FEATURES

    per_question = []
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in _progress(items, "features"):
        candidates = reader.candidates(item.question, hits(item))
        per_question.append((item, candidates))
        for candidate in candidates:
            rows.append([candidate.features[name] for name in FEATURES])
            labels.append(int(exact_match(candidate.span.text, item.answers)))
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
        conf_labels.append(int(exact_match(scored[0].span.text, item.answers)))
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
    correct: list[float] = []
    latencies: list[float] = []
    for item in _progress(items, "reading"):
        passages = hits(item)
        started = time.perf_counter()
        candidates = reader.candidates(item.question, passages)
        answer = reader.answer_from(candidates)
        latencies.append((time.perf_counter() - started) * 1000)
        top = candidates[0].span.text if candidates else ""
        right = exact_match(top, item.answers) if top else False
        confidences.append(answer.confidence)
        correct.append(float(right))
        if not answer.abstained and answer.text is not None:
            answered += 1
            em += exact_match(answer.text, item.answers)
            f1 += token_f1(answer.text, item.answers)
    n = max(1, len(items))
    buckets = []
    ece = 0.0
    conf, acc = np.array(confidences), np.array(correct)
    for low in np.arange(0.0, 1.0, 0.1):
        mask = (conf >= low) & (conf < low + 0.1 if low < 0.9 else conf <= 1.0)
        if mask.any():
            gap = abs(conf[mask].mean() - acc[mask].mean())
            ece += mask.sum() / len(conf) * gap
            buckets.append(
                {
                    "bucket": f"{low:.1f}-{low + 0.1:.1f}",
                    "n": int(mask.sum()),
                    "confidence": round(float(conf[mask].mean()), 3),
                    "accuracy": round(float(acc[mask].mean()), 3),
                }
            )
    return {
        "questions": len(items),
        "exact_match": round(em / n, 4),
        "f1": round(f1 / n, 4),
        "answered": round(answered / n, 4),
        "top_answer_accuracy": round(float(acc.mean()) if len(acc) else 0.0, 4),
        "ece": round(float(ece), 4),
        "buckets": buckets,
        "reader_ms_median": round(float(np.median(latencies)) if latencies else 0.0, 1),
    }


def _progress(items: Iterable[T], label: str) -> Iterator[T]:
    from rich.progress import track

    yield from track(list(items), description=label)


def _entity_answer(item: QAItem) -> bool:
    """MultiHop-RAG answers that name something (not Yes/No or 'Insufficient information')."""
    return item.answers[0].strip(". ").lower() not in {"yes", "no", "insufficient information"}


def main(argv: list[str] | None = None) -> None:
    """`fit` writes service/calibration.json; `report` prints EM/F1/ECE as JSON."""
    parser = argparse.ArgumentParser(prog="python -m service.calibration")
    parser.add_argument("command", choices=["fit", "report"])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--set", choices=["sample", "multihop"], default="sample")
    parser.add_argument("--passages", choices=["oracle", "retrieved"], default="oracle")
    parser.add_argument("--index", type=Path, help="index directory for --passages retrieved")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="first N questions only")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-ner", action="store_true", help="patterns only (no spaCy)")
    args = parser.parse_args(argv)

    from indexer.embedding import load_embedder
    from service.config import Settings
    from service.reader import ExtractiveReader

    embedder = load_embedder("all-MiniLM-L6-v2", cache_dir=Settings().cache_dir)
    questions = args.data / "questions"
    sample = set((questions / "realtimeqa_sample_1000.ids").read_text().split())
    tagger = not args.no_ner
    if args.command == "fit":
        corpus = load_corpus([args.data / "corpus" / "realtimeqa_news.jsonl"])
        items = load_items(questions / "realtimeqa.jsonl", ids=None, exclude=sample)
        items = items[: args.limit] if args.limit else items
        reader = ExtractiveReader(embedder, calibration=Calibration(), tagger=tagger)
        fitted = fit(reader, items, lambda item: oracle_hits(item, corpus, embedder))
        out = args.out or DEFAULT_PATH
        out.write_text(fitted.to_json(), encoding="utf-8")
        print(f"wrote {out}: {fitted.fitted_on}")
        return
    if args.set == "sample":
        corpus = load_corpus([args.data / "corpus" / "realtimeqa_news.jsonl"])
        items = load_items(questions / "realtimeqa.jsonl", ids=sample, exclude=None)
    else:
        corpus = load_corpus([args.data / "corpus" / "multihop_facts.jsonl"])
        items = [
            item
            for item in load_items(questions / "multihop_500.jsonl", ids=None, exclude=None)
            if _entity_answer(item)
        ]
    items = items[: args.limit] if args.limit else items
    reader = ExtractiveReader(embedder, calibration=load_calibration(), tagger=tagger)
    hits: Callable[[QAItem], list[RetrievalHit]] = lambda item: oracle_hits(item, corpus, embedder)  # noqa: E731
    if args.passages == "retrieved":
        from indexer.store import open_index
        from service.retrieval import HybridRetriever

        if args.index is None:
            parser.error("--passages retrieved needs --index DIR")
        retriever = HybridRetriever(open_index(args.index), embedder)
        hits = lambda item: retriever.search(item.question, args.top_k, as_of=item.asked_at)  # noqa: E731
    result = measure(reader, items, hits)
    result.update({"set": args.set, "passages": args.passages, "top_k": args.top_k})
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
