"""Calibrated abstention: the answer's score mapped to a confidence, and the threshold on it.

``confidence = 1 / (1 + exp(-slope * (score - center)))`` (Platt scaling) estimates the
probability that the answer sentence holds a right answer. :func:`fit` learns ``slope`` and
``center`` from dev questions (answerable ones, labelled by whether the extracted sentence
holds a reference answer, and unanswerable ones made by removing their context from the
index, labelled 0); :func:`trade_off` lists, for thresholds on the confidence, how many
answerable questions would be answered and how many unanswerable ones abstained.

:class:`IsotonicCalibration` is the other map: the monotone step curve of the observed share
of right answers (pool-adjacent-violators, :func:`fit_isotonic`), linear between its steps,
stored as plain numbers. How well confidences match outcomes is read in a
:func:`reliability_table` and summed up by the :func:`expected_calibration_error`;
:func:`fit_calibration_out_of_fold` compares the two maps by that error measured on groups
of questions (articles) they were not fitted on.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Calibration:
    """Score → confidence, and the confidence below which the assistant abstains."""

    center: float
    slope: float
    threshold: float

    def __post_init__(self) -> None:
        if self.slope <= 0:
            raise ValueError(f"Calibration.slope must be > 0, got {self.slope}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"Calibration.threshold must be between 0 and 1, got {self.threshold}")

    method: ClassVar[str] = "platt"

    def confidence(self, score: float) -> float:
        z = self.slope * (float(score) - self.center)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_dict(self) -> dict:
        return {"method": self.method, "center": self.center, "slope": self.slope, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(center=float(data["center"]), slope=float(data["slope"]), threshold=float(data["threshold"]))


# fitted with `qa eval ../shared/eval/piaf-v1.1-dev.json --unanswerable-by-removal --fit-calibration`
# (see README); the threshold abstains on at most 5 % of PIAF's answerable questions
DEFAULT_CALIBRATION = Calibration(center=1.8645, slope=17.90, threshold=0.086)


def fit(scores: Sequence[float], labels: Sequence[bool], *, iterations: int = 200) -> tuple[float, float]:
    """``(center, slope)`` of the logistic curve that best predicts ``labels`` from ``scores`` (Newton's method)."""
    if len(scores) != len(labels) or not scores:
        raise ValueError(f"need as many labels as scores, and some: {len(scores)} scores, {len(labels)} labels")
    if all(labels) or not any(labels):
        raise ValueError("need both right and wrong answers to fit a calibration")
    import numpy as np

    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean, std = x.mean(), x.std() or 1.0
    z = (x - mean) / std
    a, b = 1.0, 0.0  # p = sigmoid(a * z + b)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * z + b)))
        w = np.maximum(p * (1 - p), 1e-9)
        grad = np.array([np.sum((p - y) * z), np.sum(p - y)]) + 1e-6 * np.array([a, b])
        hess = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    if a <= 0:
        raise ValueError("the scores do not rise with correctness; cannot calibrate")
    slope = a / std
    return float(mean - b * std / a), float(slope)


@dataclass(frozen=True)
class TradeOffRow:
    """At one threshold: share of answerable questions answered, right, and of unanswerable ones abstained."""

    threshold: float
    answered: float
    hit: float
    abstained_unanswerable: float


def trade_off(
    answerable: Sequence[tuple[float, bool]],
    unanswerable: Sequence[float],
    thresholds: Sequence[float],
) -> list[TradeOffRow]:
    """``answerable``: (confidence, answer right) pairs; ``unanswerable``: confidences."""
    rows = []
    n, m = len(answerable) or 1, len(unanswerable) or 1
    for t in thresholds:
        answered = [hit for conf, hit in answerable if conf >= t]
        rows.append(
            TradeOffRow(
                threshold=float(t),
                answered=len(answered) / n,
                hit=sum(answered) / n,
                abstained_unanswerable=sum(c < t for c in unanswerable) / m,
            )
        )
    return rows


def pick_threshold(
    answerable: Sequence[float], unanswerable: Sequence[float], *, max_answerable_abstained: float = 0.05
) -> float:
    """The highest confidence threshold that abstains on at most ``max_answerable_abstained`` of the answerable."""
    if not answerable:
        raise ValueError("need answerable questions to pick a threshold")
    ordered = sorted(answerable)
    allowed = int(math.floor(max_answerable_abstained * len(ordered)))
    del unanswerable  # the highest such threshold abstains most on unanswerable questions
    return float(ordered[allowed]) if allowed < len(ordered) else float(ordered[-1])


# -- isotonic calibration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IsotonicCalibration:
    """Score → confidence by a monotone map: ``y[i]`` at ``x[i]`` (``x`` strictly rising, ``y`` never
    falling), linear in between, constant beyond the ends; and the abstention threshold."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    threshold: float

    method: ClassVar[str] = "isotonic"

    def __post_init__(self) -> None:
        if not self.x or len(self.x) != len(self.y):
            raise ValueError(f"IsotonicCalibration needs as many y as x, and some: {len(self.x)} x, {len(self.y)} y")
        if any(b <= a for a, b in zip(self.x, self.x[1:])):
            raise ValueError("IsotonicCalibration.x must be strictly increasing")
        if any(b < a for a, b in zip(self.y, self.y[1:])) or not 0.0 <= self.y[0] <= self.y[-1] <= 1.0:
            raise ValueError("IsotonicCalibration.y must rise (never fall) within [0, 1]")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"IsotonicCalibration.threshold must be between 0 and 1, got {self.threshold}")

    def confidence(self, score: float) -> float:
        s, xs, ys = float(score), self.x, self.y
        if not s > xs[0]:  # also NaN
            return ys[0]
        if s >= xs[-1]:
            return ys[-1]
        i = bisect_right(xs, s)  # xs[i - 1] <= s < xs[i]
        return ys[i - 1] + (ys[i] - ys[i - 1]) * (s - xs[i - 1]) / (xs[i] - xs[i - 1])

    def to_dict(self) -> dict:
        return {"method": self.method, "x": list(self.x), "y": list(self.y), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict) -> IsotonicCalibration:
        return cls(
            x=tuple(float(v) for v in data["x"]),
            y=tuple(float(v) for v in data["y"]),
            threshold=float(data["threshold"]),
        )


AnyCalibration = Calibration | IsotonicCalibration


def calibration_from_dict(data: dict) -> AnyCalibration:
    """The calibration ``to_dict`` wrote, Platt or isotonic by its ``method``."""
    kinds = {c.method: c for c in (Calibration, IsotonicCalibration)}
    method = data.get("method", "platt")
    if method not in kinds:
        raise ValueError(f"unknown calibration method {method!r}: one of {', '.join(kinds)}")
    return kinds[method].from_dict(data)


def fit_isotonic(scores: Sequence[float], labels: Sequence[bool]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(x, y)`` of :class:`IsotonicCalibration`: the non-decreasing fit of ``labels`` on ``scores`` that
    minimises the squared error (pool-adjacent-violators, ties of scores pooled first); each block of
    pooled scores kept as its lowest and highest score, both at the block's share of right answers."""
    if len(scores) != len(labels) or not len(scores):
        raise ValueError(f"need as many labels as scores, and some: {len(scores)} scores, {len(labels)} labels")
    import numpy as np

    x = np.asarray(scores, dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError("scores must be finite to fit a calibration")
    unique, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=np.asarray(labels, dtype=np.float64), minlength=len(unique))
    blocks: list[list[float]] = []  # [share, weight, lowest score, highest score]
    for value, weight, at in zip(sums / counts, counts.astype(np.float64), unique):
        blocks.append([float(value), float(weight), float(at), float(at)])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:  # a violator (or a tie): pool
            share, weight, _, high = blocks.pop()
            prev = blocks[-1]
            prev[0] = (prev[0] * prev[1] + share * weight) / (prev[1] + weight)
            prev[1] += weight
            prev[3] = high
    xs: list[float] = []
    ys: list[float] = []
    for share, _, low, high in blocks:
        for at in (low, high) if high > low else (low,):
            xs.append(at)
            ys.append(min(max(share, 0.0), 1.0))
    return tuple(xs), tuple(ys)


# -- reliability ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReliabilityBin:
    """Answers whose confidence lies in ``[low, high)`` (the last bin includes 1): how many, their mean
    confidence, and the share of them that were right."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


def reliability_table(
    confidences: Sequence[float], correct: Sequence[bool], *, bins: int = 10
) -> tuple[ReliabilityBin, ...]:
    """The non-empty ones of ``bins`` equal-width confidence bins over [0, 1], lowest first."""
    if len(confidences) != len(correct):
        raise ValueError(f"need as many outcomes as confidences: {len(confidences)} and {len(correct)}")
    if bins < 1:
        raise ValueError(f"need at least one bin, got {bins}")
    import numpy as np

    conf = np.asarray(confidences, dtype=np.float64)
    right = np.asarray(correct, dtype=np.float64)
    if conf.size and not ((conf >= 0.0) & (conf <= 1.0)).all():
        raise ValueError("confidences must lie between 0 and 1")
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        if count:
            rows.append(
                ReliabilityBin(
                    low=b / bins,
                    high=(b + 1) / bins,
                    count=count,
                    mean_confidence=float(conf[inside].mean()),
                    accuracy=float(right[inside].mean()),
                )
            )
    return tuple(rows)


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], *, bins: int = 10) -> float:
    """The count-weighted mean of ``|accuracy − mean confidence|`` over the non-empty equal-width bins."""
    table = reliability_table(confidences, correct, bins=bins)
    total = sum(row.count for row in table)
    if not total:
        raise ValueError("need some confidences to measure a calibration error")
    return sum(row.count * abs(row.accuracy - row.mean_confidence) for row in table) / total


# -- choosing the method on held-out groups ---------------------------------------------------------
@dataclass(frozen=True)
class OutOfFoldCalibration:
    """Platt and isotonic compared by their ECE on the folds they were not fitted on (pooled over the
    folds), and each fitted on all the data; ``fold_groups``: the groups of each fold."""

    platt_ece: float
    isotonic_ece: float
    platt: Calibration
    isotonic: IsotonicCalibration
    folds: int
    fold_groups: tuple[tuple[str, ...], ...]

    @property
    def best_method(self) -> str:
        return "isotonic" if self.isotonic_ece < self.platt_ece else "platt"

    @property
    def best(self) -> AnyCalibration:
        """The method of lower held-out ECE, fitted on all the data."""
        return self.isotonic if self.best_method == "isotonic" else self.platt

    def to_dict(self) -> dict:
        return {
            "folds": self.folds,
            "held_out_ece": {"platt": self.platt_ece, "isotonic": self.isotonic_ece},
            "best": self.best_method,
            "platt": self.platt.to_dict(),
            "isotonic": self.isotonic.to_dict(),
        }


def group_folds(groups: Sequence[str], *, folds: int = 2, seed: int = 0) -> list[int]:
    """The fold of each item: groups shuffled (fixed by ``seed``) and dealt in turn, never split."""
    if folds < 2:
        raise ValueError(f"need at least 2 folds, got {folds}")
    names = sorted(set(groups))
    if len(names) < folds:
        raise ValueError(f"need at least as many groups as folds: {len(names)} groups, {folds} folds")
    random.Random(seed).shuffle(names)
    fold_of = {name: i % folds for i, name in enumerate(names)}
    return [fold_of[g] for g in groups]


def fit_calibration_out_of_fold(
    scores: Sequence[float],
    labels: Sequence[bool],
    groups: Sequence[str],
    *,
    folds: int = 2,
    bins: int = 10,
    threshold: float = 0.5,
    seed: int = 0,
) -> OutOfFoldCalibration:
    """For each fold, fit both methods on the other folds' groups and map this fold's scores; the ECE of
    those held-out confidences for each method, and both methods fitted on all the data (``threshold``
    is theirs: pick it on the fitted confidences)."""
    if not len(scores) == len(labels) == len(groups):
        raise ValueError(f"need as many labels and groups as scores: {len(scores)}, {len(labels)}, {len(groups)}")
    assigned = group_folds(groups, folds=folds, seed=seed)
    held_out: dict[str, list[float]] = {"platt": [], "isotonic": []}
    outcomes: list[bool] = []
    for k in range(folds):
        train = [i for i, f in enumerate(assigned) if f != k]
        test = [i for i, f in enumerate(assigned) if f == k]
        train_scores, train_labels = [scores[i] for i in train], [bool(labels[i]) for i in train]
        try:
            center, slope = fit(train_scores, train_labels)
        except ValueError as exc:
            raise ValueError(f"fold {k + 1} of {folds}: the other folds cannot be fitted ({exc})") from exc
        platt = Calibration(center=center, slope=slope, threshold=threshold)
        isotonic = IsotonicCalibration(*fit_isotonic(train_scores, train_labels), threshold=threshold)
        held_out["platt"] += [platt.confidence(scores[i]) for i in test]
        held_out["isotonic"] += [isotonic.confidence(scores[i]) for i in test]
        outcomes += [bool(labels[i]) for i in test]
    center, slope = fit(scores, [bool(v) for v in labels])
    return OutOfFoldCalibration(
        platt_ece=expected_calibration_error(held_out["platt"], outcomes, bins=bins),
        isotonic_ece=expected_calibration_error(held_out["isotonic"], outcomes, bins=bins),
        platt=Calibration(center=center, slope=slope, threshold=threshold),
        isotonic=IsotonicCalibration(*fit_isotonic(scores, labels), threshold=threshold),
        folds=folds,
        fold_groups=tuple(
            tuple(sorted({g for g, f in zip(groups, assigned) if f == k})) for k in range(folds)
        ),
    )
