"""Calibrated abstention: scores to confidences, a fitted threshold, the trade-off table."""

from __future__ import annotations

import numpy as np
import pytest

from qa.calibration import DEFAULT_CALIBRATION, Calibration, fit, pick_threshold, trade_off


def test_confidence_rises_with_the_score_and_is_one_half_at_the_center():
    cal = Calibration(center=0.9, slope=20.0, threshold=0.5)
    assert cal.confidence(0.9) == pytest.approx(0.5)
    assert cal.confidence(0.8) < cal.confidence(0.9) < cal.confidence(1.0)
    assert 0.0 <= cal.confidence(-1e6) < cal.confidence(1e6) <= 1.0


def test_fit_recovers_a_logistic_curve():
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.6, 1.2, 4000)
    labels = rng.uniform(size=4000) < 1 / (1 + np.exp(-25 * (scores - 0.9)))
    center, slope = fit(scores.tolist(), labels.tolist())
    assert center == pytest.approx(0.9, abs=0.02)
    assert slope == pytest.approx(25, rel=0.2)


def test_fit_needs_both_outcomes():
    with pytest.raises(ValueError, match="both right and wrong"):
        fit([0.1, 0.2], [True, True])


def test_threshold_abstains_on_at_most_the_allowed_share_of_answerable_questions():
    answerable = [i / 100 for i in range(100)]
    t = pick_threshold(answerable, [0.0], max_answerable_abstained=0.05)
    assert sum(c < t for c in answerable) == 5


def test_trade_off_rows():
    rows = trade_off([(0.9, True), (0.4, False), (0.7, True)], [0.2, 0.6], [0.5])
    assert rows[0].answered == pytest.approx(2 / 3)
    assert rows[0].hit == pytest.approx(2 / 3)
    assert rows[0].abstained_unanswerable == pytest.approx(0.5)


def test_bad_calibration_values_are_named():
    with pytest.raises(ValueError, match="threshold must be between 0 and 1, got 2"):
        Calibration(center=0.0, slope=1.0, threshold=2)
    with pytest.raises(ValueError, match="slope must be > 0"):
        Calibration(center=0.0, slope=0.0, threshold=0.5)
    assert 0 < DEFAULT_CALIBRATION.threshold < 1
