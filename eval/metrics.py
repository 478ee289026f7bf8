"""Per-question and aggregate metrics: retrieval ranks, SQuAD answer scores, calibration.

Conventions: a ranking is a list in the engine's order (ties in score keep that order); a
metric that does not apply to a question is None and is left out of the mean.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation (Unicode too), no a/an/the, one space."""
    lowered = text.lower()
    # string.punctuation misses curly quotes and dashes, which the news text is full of.
    no_punct = "".join(ch for ch in lowered if not unicodedata.category(ch).startswith("P"))
    return " ".join(_ARTICLES.sub(" ", no_punct).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 where the normalised prediction equals a normalised gold answer."""
    norm = normalize_answer(prediction)
    return float(any(norm == normalize_answer(g) for g in golds))


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        # SQuAD v2: two empty answers agree, one empty answer scores 0.
        return float(pred_tokens == gold_tokens)
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1, the best over the gold answers."""
    return max((_f1(prediction, g) for g in golds), default=0.0)


def _contains_tokens(haystack: str, needle: str) -> bool:
    """Whole-token containment of normalised text ("AI" is not inside "said")."""
    norm_needle = normalize_answer(needle)
    if not norm_needle:
        return False
    return f" {norm_needle} " in f" {normalize_answer(haystack)} "


def contains_answer(prediction: str, golds: Sequence[str]) -> float:
    """1.0 where a normalised gold answer occurs, as whole tokens, in the prediction."""
    return float(any(_contains_tokens(prediction, g) for g in golds))


def yes_no_label(text: str) -> str | None:
    """ "yes" or "no" where that is the first yes/no word of the text, else None."""
    for token in normalize_answer(text).split():
        if token in ("yes", "no"):
            return token
    return None


def first_answer_rank(passages: Sequence[str], golds: Sequence[str]) -> int | None:
    """1-based rank of the first passage holding a gold answer (normalised), or None."""
    for rank, passage in enumerate(passages, start=1):
        if any(_contains_tokens(passage, g) for g in golds):
            return rank
    return None


def article_ranking(article_ids: Iterable[str]) -> list[str]:
    """Distinct articles in order of first appearance among ranked chunks."""
    return list(dict.fromkeys(article_ids))


def gold_ranks(ranking: Sequence[str], gold: Collection[str]) -> list[int]:
    """1-based ranks at which the gold articles appear in a distinct-article ranking."""
    return [rank for rank, article in enumerate(ranking, start=1) if article in gold]


def hit_at_k(ranks: Sequence[int], k: int) -> float:
    return float(any(r <= k for r in ranks))


def mrr_at_k(ranks: Sequence[int], k: int) -> float:
    first = min(ranks, default=None)
    return 1.0 / first if first is not None and first <= k else 0.0


def recall_at_k(ranks: Sequence[int], gold_count: int, k: int) -> float:
    """Share of the gold articles found in the top k (each found article counts once)."""
    if gold_count <= 0:
        raise ValueError(f"gold_count must be positive. Currently, gold_count is {gold_count}")
    return min(sum(1 for r in ranks if r <= k), gold_count) / gold_count


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None where there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 (linear interpolation) and mean; None for no values."""
    if not values:
        return {"p50": None, "p95": None, "mean": None, "count": 0}
    arr = np.asarray(values, dtype=np.float64)
    return {
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "mean": float(arr.mean()),
        "count": len(values),
    }


def abstention_scores(
    abstained: Sequence[bool], unanswerable: Sequence[bool]
) -> dict[str, float | None]:
    """Precision: abstentions that were right; recall: unanswerable questions abstained on."""
    pairs = list(zip(abstained, unanswerable, strict=True))
    n_abstained = sum(1 for a, _ in pairs if a)
    n_unanswerable = sum(1 for _, u in pairs if u)
    both = sum(1 for a, u in pairs if a and u)
    return {
        "precision": both / n_abstained if n_abstained else None,
        "recall": both / n_unanswerable if n_unanswerable else None,
        "abstained": n_abstained,
        "unanswerable": n_unanswerable,
    }


@dataclass(frozen=True)
class Bucket:
    lo: float
    hi: float
    count: int
    accuracy: float | None
    confidence: float | None


def calibration(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> tuple[list[Bucket], float | None]:
    """Accuracy by equal-width confidence bucket and the expected calibration error.

    A confidence on a boundary goes to the bucket above it; 1.0 goes to the last bucket.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1. Currently, bins is {bins}")
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for conf, ok in zip(confidences, correct, strict=True):
        if math.isnan(conf):
            continue
        c = min(max(conf, 0.0), 1.0)
        members[min(int(c * bins), bins - 1)].append((c, ok))
    total = sum(len(m) for m in members)
    buckets: list[Bucket] = []
    ece = 0.0
    for i, items in enumerate(members):
        acc = sum(ok for _, ok in items) / len(items) if items else None
        conf_mean = sum(c for c, _ in items) / len(items) if items else None
        buckets.append(Bucket(i / bins, (i + 1) / bins, len(items), acc, conf_mean))
        if acc is not None and conf_mean is not None:
            ece += len(items) / total * abs(acc - conf_mean)
    return buckets, (ece if total else None)


@dataclass(frozen=True)
class ChanceECE:
    """The ECE a perfectly calibrated reader scores by chance alone on a set of answers."""

    mean: float
    p95: float  # an ECE above this is miscalibration, not bad luck, at 95%


def chance_ece(
    confidences: Sequence[float], bins: int = 10, draws: int = 1000, seed: int = 0
) -> ChanceECE | None:
    """ECE (as `calibration` measures it) of answers each right with exactly its confidence,
    over `draws` random draws.

    On a few dozen answers it is far from zero (about 0.11 on 60 answers spread over the
    range): a small set's ECE is read against it, not against zero.
    """
    conf = np.clip(np.asarray([c for c in confidences if not math.isnan(c)], np.float64), 0, 1)
    if conf.size == 0:
        return None
    # Bucketed as `calibration` does: a boundary goes up, 1.0 to the last bucket.
    members = np.eye(bins)[np.minimum((conf * bins).astype(np.int64), bins - 1)]
    confidence_sums = conf @ members
    rng = np.random.default_rng(seed)
    eces: list[npt.NDArray[np.float64]] = []
    for start in range(0, draws, 250):  # 250 draws at a time bound the memory on large sets
        right = (rng.random((min(250, draws - start), conf.size)) < conf).astype(np.float64)
        # Per bucket, n_b / N * |accuracy_b - confidence_b| = |right_b - confidence sum_b| / N.
        eces.append(np.abs(right @ members - confidence_sums).sum(axis=1) / conf.size)
    ece = np.concatenate(eces)
    return ChanceECE(float(ece.mean()), float(np.quantile(ece, 0.95)))
