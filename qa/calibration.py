"""Calibrated abstention: the answer's score mapped to a confidence, and the threshold on it.

``confidence = 1 / (1 + exp(-slope * (score - center)))`` (Platt scaling) estimates the
probability that the answer sentence holds a right answer. :func:`fit` learns ``slope`` and
``center`` from dev questions (answerable ones, labelled by whether the extracted sentence
holds a reference answer, and unanswerable ones made by removing their context from the
index, labelled 0); :func:`trade_off` lists, for thresholds on the confidence, how many
answerable questions would be answered and how many unanswerable ones abstained.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


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

    def confidence(self, score: float) -> float:
        z = self.slope * (float(score) - self.center)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


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
