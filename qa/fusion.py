"""Fusing ranked lists: the dense (FAISS) and lexical (BM25) results of one question.

Two methods, chosen by measurement (``qa eval --fusion ... --lexical-weight ...``):
- ``weighted`` (the default): ``dense_cosine + w * bm25 / max_bm25`` over the union of both
  lists; a document missing from one list gets that list's lowest score. ``w`` is in cosine units
  of the default model (e5 cosines of a question's candidates spread over ~0.07): with another
  model, measure it again (the sweep behind ``w`` is in bench/README.md, "Why the defaults").
- ``rrf``: reciprocal rank fusion, ``sum(w / (c + rank))`` (Cormack et al., 2009); scale-free,
  the better choice for a model whose cosine scale is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FUSIONS = ("rrf", "weighted")
DEFAULT_LEXICAL_WEIGHTS = {"weighted": 0.03, "rrf": 0.5}


@dataclass(frozen=True)
class FusionSettings:
    """How hybrid retrieval merges the two lists."""

    method: str = "weighted"
    lexical_weight: float | None = None  # relative to dense = 1; None: the method's default
    rrf_constant: float = 20.0  # measured against 60 (bench/README.md, "Why the defaults")
    sentences: bool = True  # a chunk's dense score is raised to its best sentence's similarity

    def __post_init__(self) -> None:
        if self.method not in FUSIONS:
            raise ValueError(f"fusion method must be one of {', '.join(FUSIONS)}, got {self.method!r}")
        if self.lexical_weight is None:
            object.__setattr__(self, "lexical_weight", DEFAULT_LEXICAL_WEIGHTS[self.method])
        if self.lexical_weight < 0:
            raise ValueError(f"lexical_weight must be >= 0, got {self.lexical_weight}")
        if self.rrf_constant <= 0:
            raise ValueError(f"rrf_constant must be > 0, got {self.rrf_constant}")


def ranks(scores: Mapping[int, float]) -> dict[int, int]:
    """1-based ranks of ``scores``, best first (ties broken by id)."""
    ordered = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return {doc: rank for rank, (doc, _) in enumerate(ordered, start=1)}


def rrf(*lists: tuple[Mapping[int, float], float], c: float = 60.0) -> dict[int, float]:
    """Reciprocal rank fusion of ``(scores, weight)`` lists: ``{id: sum(weight / (c + rank))}``."""
    out: dict[int, float] = {}
    for scores, weight in lists:
        if weight == 0:
            continue
        for doc, rank in ranks(scores).items():
            out[doc] = out.get(doc, 0.0) + weight / (c + rank)
    return out


def weighted(dense: Mapping[int, float], lexical: Mapping[int, float], *, weight: float = 1.0):
    """Weighted sum: dense cosine plus ``weight`` times the BM25 score scaled by its maximum."""
    top = max(lexical.values(), default=0.0) or 1.0
    floor_dense = min(dense.values(), default=0.0)
    out = {}
    for doc in set(dense) | set(lexical):
        out[doc] = dense.get(doc, floor_dense) + weight * lexical.get(doc, 0.0) / top
    return out


def fuse(dense: Mapping[int, float], lexical: Mapping[int, float], settings: FusionSettings) -> dict[int, float]:
    """The fused score of every id in either map (higher is better)."""
    if settings.method == "rrf":
        return rrf((dense, 1.0), (lexical, settings.lexical_weight), c=settings.rrf_constant)
    return weighted(dense, lexical, weight=settings.lexical_weight)
