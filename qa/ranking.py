"""The learned part of reading: which of the extractor's first sentences answers, and how likely it is right.

Two small linear models, fitted by ``tools/fit_reading.py`` on PIAF dev (two folds by article for the
figures, then on every question; weights in ``qa/data/reading.json``):

- the **ranker** re-orders the extractor's first :attr:`ReadingModel.depth` sentences by a logistic score
  over the extractor's score (:data:`RANKER_BASE`) and the reading features of
  :mod:`qa.reading.features` (does the sentence hold an answer of the expected type, fill the question's
  gap, name the focus verb, is it a caption…);
- the **confidence** is a logistic probability that the answer is right, from the answer sentence's
  extractor score and whether it holds an answer of the expected type (:data:`CONFIDENCE_FEATURES`); it
  is fitted on answerable questions and on the same questions with their context removed from the
  index, so « the topic is here but not the fact » pulls it down. Below :attr:`ReadingModel.threshold`
  the assistant abstains.

Both models see features through :func:`ranker_rows` and :func:`confidence_row`, the same functions at
fitting time and when answering.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "reading.json"
# the extractor's score and its gap to the best one: the extractor's hand-set parts keep their balance (the
# « qui » verb's coverage matters for news and is neutral on PIAF, which a ranker fitted there would unlearn)
RANKER_BASE = ("score", "score_gap")
CONFIDENCE_FEATURES = ("score", "type_absent", "answer_found", "expected_known")


class Scored(Protocol):
    """What the features read of a candidate sentence (:class:`qa.extract.Candidate` or a dumped row)."""

    score: float


@dataclass(frozen=True)
class LinearModel:
    """``logit = intercept + sum(coef * (x - mean) / scale)`` over the named features."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def __post_init__(self) -> None:
        n = len(self.names)
        if not n or not len(self.mean) == len(self.scale) == len(self.coef) == n:
            raise ValueError(f"LinearModel: {n} names but {len(self.mean)} means, {len(self.scale)} scales, "
                             f"{len(self.coef)} coefficients")
        if any(s <= 0 for s in self.scale):
            raise ValueError(f"LinearModel.scale must be positive, got {self.scale}")

    def logits(self, rows: np.ndarray) -> np.ndarray:
        x = (np.asarray(rows, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        return x @ np.asarray(self.coef) + self.intercept

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(rows), -700, 700)))

    def to_dict(self) -> dict:
        return {"names": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: Mapping) -> LinearModel:
        return cls(names=tuple(data["names"]), mean=tuple(map(float, data["mean"])),
                   scale=tuple(map(float, data["scale"])), coef=tuple(map(float, data["coef"])),
                   intercept=float(data["intercept"]))


@dataclass(frozen=True)
class ReadingModel:
    """The ranker, the confidence, the abstention threshold on it, and how many sentences are read."""

    ranker: LinearModel
    confidence: LinearModel
    threshold: float
    depth: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"ReadingModel.threshold is a probability, got {self.threshold}")
        if self.depth < 1:
            raise ValueError(f"ReadingModel.depth must be at least 1, got {self.depth}")

    def to_dict(self) -> dict:
        return {"ranker": self.ranker.to_dict(), "confidence": self.confidence.to_dict(),
                "threshold": self.threshold, "depth": self.depth}

    @classmethod
    def from_dict(cls, data: Mapping) -> ReadingModel:
        return cls(ranker=LinearModel.from_dict(data["ranker"]), confidence=LinearModel.from_dict(data["confidence"]),
                   threshold=float(data["threshold"]), depth=int(data.get("depth", 8)))

    def save(self, path: Path = DATA_FILE) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_model(path: Path = DATA_FILE) -> ReadingModel:
    """The fitted model shipped with the package (``qa/data/reading.json``)."""
    return ReadingModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def ranker_rows(candidates: Sequence[Scored], readings: Sequence[Mapping[str, float]]) -> np.ndarray:
    """One row per candidate (best extractor score first): :data:`RANKER_BASE`, then every reading feature."""
    from qa.reading.features import FEATURES

    if not candidates:
        return np.zeros((0, len(RANKER_BASE) + len(FEATURES)))
    top = max(c.score for c in candidates)
    rows = []
    for c, reading in zip(candidates, readings):
        rows.append([c.score, c.score - top, *(float(reading[name]) for name in FEATURES)])
    return np.asarray(rows, dtype=np.float64)


def ranker_names() -> tuple[str, ...]:
    from qa.reading.features import FEATURES

    return (*RANKER_BASE, *FEATURES)


def confidence_row(score: float, reading: Mapping[str, float]) -> np.ndarray:
    """The :data:`CONFIDENCE_FEATURES` of an answer: its sentence's extractor score and reading features."""
    values = {"score": float(score), **{k: float(v) for k, v in reading.items()}}
    return np.asarray([[values[name] for name in CONFIDENCE_FEATURES]], dtype=np.float64)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
