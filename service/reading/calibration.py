"""The reader's fitted parameters: a candidate ranker and calibrated confidence maps.

Both are fitted on dev questions outside the reported samples by `newsqa eval calibrate fit`
(eval/calibrate.py) and committed beside this module as calibration.json; the service only
loads them. The confidence of an answer is the probability that it is right: a logistic model
over what is known of the winner (its score and margin, how well its sentence matches the
question, how long the question is), with an isotonic map onto observed accuracy where one
was fitted (the committed maps are logistic only: smooth, so a threshold can fall anywhere).
There is one map per kind of answer ("span" for a quoted span, "verdict" for yes/no, "topic"
for the subject several articles share), since each is right for different reasons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.reading.ranker import LinearRanker, Ranker, feature_matrix, ranker_from_dict

DEFAULT_PATH = Path(__file__).with_name("calibration.json")

# What the span confidence model sees of the winning candidate, besides the ranker's margin.
CONFIDENCE_FEATURES = (
    "top",  # sigmoid of the winner's ranker score
    "margin",  # top minus the runner-up's sigmoid
    "dense",
    "keyword",
    "type_fit",
    "support",
    "focus",
    "near_terms",
    "question_length",  # log1p(words of the question) / 4
    "date_fit",  # the article is from the period the question's time words mean
    "stale",  # log1p(days the article is older than the asker's as_of) / 8 (timing.py)
    "dated",  # the as_of goes back in time and the article has a date: "stale" means something
    "rare_focus_missing",  # the passage lacks rare words of a name the question gives
    "rare_focus_nowhere",  # ... and so does every passage read (context.rare_focus_nowhere)
)


def span_kind(values: Mapping[str, float]) -> str:
    """The confidence map for a span answer: "span" where the asker gave a date and the
    article has one, else "span_undated". The two are fitted apart: a date says much of
    whether an answer is right ("stale"), and without one the other values weigh otherwise."""
    return "span" if values.get("dated", 0.0) > 0 else "span_undated"


# Hand-set starting point, used where no calibration file exists.
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
    "near_terms": 1.0,
    "head_near": 1.0,
    "focus": 1.0,
}


@dataclass(frozen=True)
class ConfidenceMap:
    """Logistic over named values, then an isotonic map (x ascending, y in 0..1)."""

    weights: Mapping[str, float] = field(default_factory=lambda: {"top": 4.0, "margin": 2.0})
    bias: float = -2.5
    isotonic_x: tuple[float, ...] = ()
    isotonic_y: tuple[float, ...] = ()

    def probability(self, values: Mapping[str, float]) -> float:
        logit = self.bias + sum(w * values.get(k, 0.0) for k, w in self.weights.items())
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "bias": self.bias,
            "isotonic_x": list(self.isotonic_x),
            "isotonic_y": list(self.isotonic_y),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfidenceMap:
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            isotonic_x=tuple(float(v) for v in data.get("isotonic_x", ())),
            isotonic_y=tuple(float(v) for v in data.get("isotonic_y", ())),
        )


def _default_maps() -> dict[str, ConfidenceMap]:
    """Hand-set maps per kind, used where no fitted one exists."""
    return {
        "span": ConfidenceMap(),
        "verdict": ConfidenceMap({"p": 1.0}, 0.0),
        "topic": ConfidenceMap({"spread": 3.0, "margin": 3.0}, -2.5),
    }


@dataclass(frozen=True)
class VerdictModel:
    """Logistic P(yes) of a yes/no question over what its evidence shows (verdict.py)."""

    weights: Mapping[str, float] = field(default_factory=dict)
    bias: float = 0.5  # about the share of "yes" among yes/no questions, before fitting

    def p_yes(self, features: Mapping[str, float]) -> float:
        return _sigmoid(self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"weights": dict(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerdictModel:
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]))


@dataclass(frozen=True)
class Calibration:
    """The candidate ranker, the verdict model, and a confidence map per kind of answer."""

    ranker: Ranker = field(default_factory=lambda: LinearRanker(dict(_DEFAULT_WEIGHTS), -5.0))
    confidence_maps: Mapping[str, ConfidenceMap] = field(
        default_factory=lambda: dict(_default_maps())
    )
    verdict: VerdictModel = field(default_factory=VerdictModel)
    fitted_on: str = "hand-set defaults"

    def rank_scores(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """The ranker's logit for each candidate's features."""
        if not rows:
            return []
        scores = self.ranker.scores(feature_matrix(rows, self.ranker.features))
        return [float(s) for s in scores]

    def rank_score(self, features: Mapping[str, float]) -> float:
        return self.rank_scores([features])[0]

    def confidence_features(
        self, best: float, second: float | None, features: Mapping[str, float]
    ) -> dict[str, float]:
        top = _sigmoid(best)
        runner_up = _sigmoid(second) if second is not None else 0.0
        values = {"top": top, "margin": top - runner_up}
        values.update({k: features.get(k, 0.0) for k in CONFIDENCE_FEATURES if k not in values})
        return values

    def confidence(
        self,
        best: float,
        second: float | None,
        features: Mapping[str, float],
        kind: str | None = None,
    ) -> float:
        """Probability that the best candidate is right, 0..1 (a span's map by default:
        span_kind's)."""
        values = self.confidence_features(best, second, features)
        return self.probability(values, kind or span_kind(values))

    def probability(self, values: Mapping[str, float], kind: str) -> float:
        """A kind's confidence map applied to its values: the fitted one, else the hand-set
        one for the kind (a file fitted before the kind existed), else the span map."""
        chosen = (
            self.confidence_maps.get(kind)
            or _default_maps().get(kind)
            or self.confidence_maps["span"]
        )
        return chosen.probability(values)

    def to_json(self) -> str:
        data = {
            "ranker": self.ranker.to_dict(),
            "confidence": {k: m.to_dict() for k, m in self.confidence_maps.items()},
            "verdict": self.verdict.to_dict(),
            "fitted_on": self.fitted_on,
        }
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        maps = {k: ConfidenceMap.from_dict(v) for k, v in data["confidence"].items()}
        if "span" not in maps:
            raise KeyError("confidence has no 'span' map")
        return cls(
            ranker=ranker_from_dict(data["ranker"]),
            confidence_maps=maps,
            verdict=VerdictModel.from_dict(data["verdict"])
            if "verdict" in data
            else VerdictModel(),
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
