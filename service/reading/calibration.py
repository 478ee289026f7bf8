"""The reader's fitted parameters: a linear candidate ranker and a calibrated confidence.

Both are fitted on RealTime QA dev questions (the extractive ones outside the held-out sample)
by `newsqa eval calibrate fit` (eval/calibrate.py) and committed beside this module as
calibration.json; the service only loads them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

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
