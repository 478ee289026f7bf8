"""The reliability diagram's calibrated range, and the plot drawn for several sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.plots import calibrated_spread, calibration_curve


def test_the_calibrated_range_is_the_binomial_one() -> None:
    # 100 answers at 0.5: standard deviation of the share right 0.05, times 1.96.
    assert calibrated_spread(0.5, 100) == pytest.approx(0.098)
    # Four times the answers, half the range; none at a certain confidence.
    assert calibrated_spread(0.5, 400) == pytest.approx(0.049)
    assert calibrated_spread(1.0, 7) == 0.0


def test_one_diagram_holds_every_set_and_skips_those_never_answered(tmp_path: Path) -> None:
    bucket = {"lo": 0.6, "hi": 0.7, "count": 12, "accuracy": 0.75, "confidence": 0.64}
    empty = {"lo": 0.0, "hi": 0.1, "count": 0, "accuracy": None, "confidence": None}
    sets = {"realtimeqa": [empty, bucket], "made-up": [empty], "seed": [bucket]}
    path = calibration_curve(sets, tmp_path / "calibration.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
