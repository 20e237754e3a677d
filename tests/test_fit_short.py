"""The short-answer picker's fit (tools/fit_short.py): pure logic, on made-up candidates."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import fit_short  # noqa: E402


def question(best: int, n: int = 3) -> dict:
    """``n`` candidates; the ``best``-th alone is marked by the feature ``good`` and has F1 1."""
    return {
        "fold": best % 2,
        "features": [{"good": float(i == best), "noise": float(i % 2)} for i in range(n)],
        "f1": [1.0 if i == best else 0.0 for i in range(n)],
    }


def test_the_fit_learns_the_feature_that_marks_the_best_candidate():
    questions = [question(i % 3) for i in range(30)]
    weights = fit_short.fit(questions, ["good", "noise"], steps=300)
    assert weights["good"] > abs(weights["noise"])
    assert fit_short.mean_f1(questions, weights) == 1.0


def test_questions_whose_candidates_all_miss_teach_nothing():
    useless = {"fold": 0, "features": [{"good": 1.0, "noise": 0.0}, {"good": 0.0, "noise": 1.0}], "f1": [0.0, 0.0]}
    weights = fit_short.fit([useless], ["good", "noise"], steps=50)
    assert weights == {"good": 0.0, "noise": 0.0}
