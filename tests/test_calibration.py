"""Calibrated abstention: scores to confidences, a fitted threshold, the trade-off table; reliability and ECE,
the isotonic map, Platt against isotonic out of fold (pure numpy, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.calibration import (
    DEFAULT_CALIBRATION,
    Calibration,
    IsotonicCalibration,
    calibration_from_dict,
    expected_calibration_error,
    fit,
    fit_calibration_out_of_fold,
    fit_isotonic,
    group_folds,
    pick_threshold,
    reliability_table,
    trade_off,
)


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


# -- reliability, ECE, isotonic, out of fold ------------------------------------------------------


def test_a_calibrated_set_has_an_ece_near_zero_and_an_over_confident_one_a_large_one():
    rng = np.random.default_rng(1)
    conf = rng.uniform(0, 1, 20000)
    right = rng.uniform(size=conf.size) < conf  # right exactly as often as said
    assert expected_calibration_error(conf.tolist(), right.tolist()) < 0.02
    sure = rng.uniform(0.8, 1.0, 5000)  # says 90 %, right half of the time
    coin = rng.uniform(size=sure.size) < 0.5
    assert expected_calibration_error(sure.tolist(), coin.tolist()) == pytest.approx(0.4, abs=0.03)


def test_reliability_bins_are_equal_width_non_empty_and_the_last_holds_one():
    rows = reliability_table([0.05, 0.15, 0.19, 1.0, 0.95], [False, True, False, True, True], bins=10)
    assert [(r.low, r.high, r.count) for r in rows] == [(0.0, 0.1, 1), (0.1, 0.2, 2), (0.9, 1.0, 2)]
    assert rows[1].mean_confidence == pytest.approx(0.17) and rows[1].accuracy == pytest.approx(0.5)
    ece = expected_calibration_error([0.05, 0.15, 0.19, 1.0, 0.95], [False, True, False, True, True])
    assert ece == pytest.approx((1 * 0.05 + 2 * abs(0.5 - 0.17) + 2 * 0.025) / 5)
    assert reliability_table([], []) == ()
    with pytest.raises(ValueError, match="between 0 and 1"):
        reliability_table([1.5], [True])
    with pytest.raises(ValueError, match="need some confidences"):
        expected_calibration_error([], [])


def test_pava_pools_violators_into_a_monotone_map():
    x, y = fit_isotonic([0.1, 0.2, 0.2, 0.3, 0.5, 0.4], [0, 1, 0, 0, 1, 1])
    # 0.2 (tied: 1/2) and 0.3 (0) violate the order: pooled to 1/3; 0.4 and 0.5 (both 1) pooled
    assert x == (0.1, 0.2, 0.3, 0.4, 0.5) and y == pytest.approx((0.0, 1 / 3, 1 / 3, 1.0, 1.0))
    rng = np.random.default_rng(2)
    scores = rng.normal(size=3000)
    labels = rng.uniform(size=scores.size) < 1 / (1 + np.exp(-2 * scores))
    x, y = fit_isotonic(scores.tolist(), labels.tolist())
    assert np.all(np.diff(x) > 0) and np.all(np.diff(y) >= 0) and 0 <= y[0] <= y[-1] <= 1
    cal = IsotonicCalibration(x, y, threshold=0.5)
    grid = np.linspace(-4, 4, 200)
    confs = [cal.confidence(s) for s in grid]
    assert np.all(np.diff(confs) >= 0)
    assert cal.confidence(-1e9) == y[0] and cal.confidence(1e9) == y[-1]
    assert cal.confidence(0.0) == pytest.approx(0.5, abs=0.08)
    # the map's mean confidence on its own data is the share of right answers (PAVA keeps the mean)
    assert np.mean([cal.confidence(s) for s in scores]) == pytest.approx(labels.mean(), abs=0.01)


def test_isotonic_is_linear_between_its_points():
    cal = IsotonicCalibration((0.0, 1.0, 3.0), (0.1, 0.3, 0.7), threshold=0.2)
    assert cal.confidence(0.5) == pytest.approx(0.2) and cal.confidence(2.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="strictly increasing"):
        IsotonicCalibration((0.0, 0.0), (0.1, 0.2), threshold=0.5)
    with pytest.raises(ValueError, match="never fall"):
        IsotonicCalibration((0.0, 1.0), (0.3, 0.2), threshold=0.5)


def test_both_calibrations_round_trip_through_a_dict():
    import json

    iso = IsotonicCalibration((0.5, 1.2, 2.0), (0.0, 0.25, 0.9), threshold=0.1)
    for cal in (iso, DEFAULT_CALIBRATION):
        data = json.loads(json.dumps(cal.to_dict()))
        back = calibration_from_dict(data)
        assert back == cal and type(back) is type(cal) and back.confidence(1.0) == cal.confidence(1.0)
    assert iso.to_dict()["method"] == "isotonic" and DEFAULT_CALIBRATION.to_dict()["method"] == "platt"
    with pytest.raises(ValueError, match="unknown calibration method"):
        calibration_from_dict({"method": "beta"})


def test_folds_keep_each_group_whole():
    groups = [f"article-{i % 7}" for i in range(70)]
    folds = group_folds(groups, folds=2)
    for g in set(groups):
        assert len({f for f, h in zip(folds, groups) if h == g}) == 1
    assert set(folds) == {0, 1} and group_folds(groups, folds=2) == folds  # fixed by its seed
    with pytest.raises(ValueError, match="as many groups as folds"):
        group_folds(["a", "a"], folds=2)


def _grouped_logistic(n_groups=12, per_group=300, seed=3):
    rng = np.random.default_rng(seed)
    groups = [f"g{i}" for i in range(n_groups) for _ in range(per_group)]
    # each group's scores in its own interval: a score says which group it came from
    scores = np.concatenate([rng.uniform(i, i + 1, per_group) for i in range(n_groups)]) / n_groups
    labels = rng.uniform(size=scores.size) < 1 / (1 + np.exp(-8 * (scores - 0.5)))
    return scores.tolist(), labels.tolist(), groups


def test_out_of_fold_never_fits_and_measures_on_the_same_group(monkeypatch):
    import qa.calibration as calibration

    scores, labels, groups = _grouped_logistic()
    group_of = {round(s, 12): g for s, g in zip(scores, groups)}
    fitted_on: dict[str, list[set[str]]] = {"platt": [], "isotonic": []}
    real_fit, real_isotonic = calibration.fit, calibration.fit_isotonic

    def spy(kind, real):
        def wrapped(s, y, **kwargs):
            fitted_on[kind].append({group_of[round(v, 12)] for v in s})
            return real(s, y, **kwargs)

        return wrapped

    monkeypatch.setattr(calibration, "fit", spy("platt", real_fit))
    monkeypatch.setattr(calibration, "fit_isotonic", spy("isotonic", real_isotonic))
    result = fit_calibration_out_of_fold(scores, labels, groups, folds=2)
    folds = [set(f) for f in result.fold_groups]
    assert folds[0] and folds[1] and not folds[0] & folds[1] and folds[0] | folds[1] == set(groups)
    for kind in ("platt", "isotonic"):
        first, second, everything = fitted_on[kind]
        assert first == folds[1] and second == folds[0]  # fold k measured with a map fitted on the others
        assert everything == set(groups)  # then fitted on all


def test_out_of_fold_compares_the_methods_and_fits_both_on_all():
    scores, labels, groups = _grouped_logistic()
    result = fit_calibration_out_of_fold(scores, labels, groups, folds=2, threshold=0.3)
    assert 0 <= result.platt_ece < 0.1 and 0 <= result.isotonic_ece < 0.2
    assert result.best_method in ("platt", "isotonic") and result.best in (result.platt, result.isotonic)
    assert result.platt.center == pytest.approx(0.5, abs=0.05) and result.isotonic.threshold == 0.3
    data = result.to_dict()
    assert set(data["held_out_ece"]) == {"platt", "isotonic"} and data["isotonic"]["method"] == "isotonic"
    with pytest.raises(ValueError, match="fold"):  # a training fold of right answers only
        fit_calibration_out_of_fold([0.1, 0.2, 0.3, 0.4], [True, True, False, False], ["a", "a", "b", "b"])
