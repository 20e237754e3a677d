"""``qa eval``: answer quality measured on a question file.

For each question: retrieval (is a passage of the gold context among the first 1, 5, 20;
reciprocal rank), the answer (does the extracted sentence hold a reference answer; exact
match and token F1 of the short answer — the sentence itself when there is no short answer —
against the best reference) and abstention (unanswerable questions, and with
``removal=True`` every answerable question asked again with its context left out of the
index). Abstained answers count as misses. How well the confidences are calibrated: a
reliability table and the expected calibration error (:func:`calibration_outcomes` says which
answers count and when one is right).

SQuAD files are indexed whole (every context one article), once: the index is cached under
``<QA_HOME>/eval-cache/`` by the file's hash and the build settings, with the query vectors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.calibration import (
    OutOfFoldCalibration,
    ReliabilityBin,
    TradeOffRow,
    expected_calibration_error,
    reliability_table,
    trade_off,
)
from qa.evalsets import EvalItem, EvalSet
from qa.metrics import contains_answer, exact_match, f1_score, reciprocal_rank

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.types import Passage

DEPTHS = (1, 5, 20)
TRADE_OFF_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CACHE_VERSION = 1


@dataclass(frozen=True)
class QuestionResult:
    """What happened to one question."""

    id: str
    question: str
    answerable: bool
    removed: bool  # asked with its context left out of the index
    gold_rank: int | None  # rank of the first gold passage within the first 20
    answer: str | None  # the would-be answer (given even when abstaining)
    short: str | None
    doc_id: str | None
    score: float  # the answer's raw score (what the calibration maps to a confidence)
    confidence: float
    abstained: bool
    hit: bool  # the would-be answer holds a reference answer
    em: float
    f1: float
    references: tuple[str, ...] = ()
    group: str = ""  # its article (EvalItem.group): the unit of out-of-fold splits


@dataclass(frozen=True)
class EvalReport:
    """Metrics of one run, and the per-question results behind them."""

    name: str
    settings: dict
    metrics: dict[str, float]
    trade_off: tuple[TradeOffRow, ...]
    results: tuple[QuestionResult, ...] = field(repr=False)
    reliability: tuple[ReliabilityBin, ...] = ()  # of the answers' confidences (calibration_outcomes)
    ece: float | None = None  # their expected calibration error; None when no answer was produced

    def to_dict(self, *, with_results: bool = False) -> dict:
        out = {
            "name": self.name,
            "settings": self.settings,
            "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in self.metrics.items()},
            "trade_off": [asdict(r) for r in self.trade_off],
            "reliability": [{k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(b).items()}
                            for b in self.reliability],
            "ece": None if self.ece is None else round(self.ece, 4),
        }
        if with_results:
            out["results"] = [asdict(r) for r in self.results]
        return out

    def failures(self) -> list[QuestionResult]:
        """Questions missed: gold not in the first 5, wrong or missing answer, or a wrong abstention."""
        return [
            r
            for r in self.results
            if (r.answerable and (r.gold_rank is None or r.gold_rank > 5 or r.abstained or not r.hit))
            or (not r.answerable and not r.abstained)
        ]


# -- the cached index of a SQuAD file ------------------------------------------------------------
def eval_index_dir(eval_set: EvalSet, *, model_spec: str, chunking, factory: str, home: Path | None = None) -> Path:
    """Where the index of ``eval_set``'s contexts is cached, by file hash and build settings."""
    from index.settings import qa_home

    key = json.dumps([CACHE_VERSION, eval_set.digest, model_spec, asdict(chunking), factory], sort_keys=True)
    name = f"{eval_set.path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    return (home or qa_home()) / "eval-cache" / name


def prepare_index(
    eval_set: EvalSet, encoder, *, titles: bool = True, progress: bool | None = None, home: Path | None = None
) -> Path:
    """The cached index of a SQuAD file's contexts, built first if missing; ``titles=False`` indexes
    the contexts alone (the titles stay the articles' metadata)."""
    from index.chunking import ChunkingSettings
    from index.errors import IndexLoadError
    from index.manifest import Manifest
    from index.writer import DEFAULT_FACTORY, build_index, model_entry

    if eval_set.kind != "squad":
        raise ValueError(f"{eval_set.path}: only SQuAD files carry their own corpus")
    chunking = ChunkingSettings(titles=titles)
    target = eval_index_dir(
        eval_set, model_spec=model_entry(encoder).spec, chunking=chunking, factory=DEFAULT_FACTORY, home=home
    )
    try:
        Manifest.read(target)
    except IndexLoadError:  # not built yet, or by a version that wrote another format
        build_index(list(eval_set.articles), target, encoder=encoder, chunking=chunking, progress=progress)
    return target


class CachedQueries:
    """An encoder whose query vectors are remembered (in memory and in ``file``, an ``.npz``)."""

    def __init__(self, encoder, file: Path | None = None) -> None:
        self._encoder = encoder
        self._file = file
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if file is not None and file.is_file():
            with np.load(file, allow_pickle=False) as data:
                self._cache = dict(zip(data["texts"].tolist(), data["vectors"]))

    def __getattr__(self, name: str):
        return getattr(self._encoder, name)

    def encode_queries(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._encoder.encode_queries(missing, **kwargs)):
                self._cache[text] = vector
            self._dirty = True
        return np.stack([self._cache[t] for t in texts]) if texts else self._encoder.encode_queries([], **kwargs)

    def save(self) -> None:
        if self._file is None or not self._dirty:
            return
        texts = list(self._cache)
        tmp = self._file.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(texts), vectors=np.stack([self._cache[t] for t in texts]))
        tmp.replace(self._file)
        self._dirty = False


# -- scoring ------------------------------------------------------------------------------------
def _gold_passage(item: EvalItem, passage: Passage, article_text: str | None) -> bool:
    if passage.doc_id not in item.gold_docs:
        return False
    if not item.quotes or article_text is None:
        return True
    for quote in item.quotes:
        at = article_text.find(quote)
        if at >= 0 and passage.start < at + len(quote) and at < passage.end:
            return True
    return not any(q in article_text for q in item.quotes)  # quotes elsewhere: the article counts


def evaluate_item(assistant: Assistant, item: EvalItem, *, k: int, removed: bool = False) -> QuestionResult:
    retriever, extractor = assistant.retriever, assistant.extractor
    exclude = item.gold_docs if removed else ()
    retrieval = retriever.retrieve(item.question, k=max(DEPTHS[-1], k), exclude_docs=exclude)
    answerable = item.answerable and not removed
    gold_rank = None
    if answerable:
        for p in retrieval.passages:
            article = retriever.store.article(p.doc_id) if retriever.store.has_article(p.doc_id) else None
            if _gold_passage(item, p, article.text if article else None):
                gold_rank = p.rank
                break
    if k < DEPTHS[-1]:  # the answer from the passages `ask` would see: merging depends on k
        retrieval = retriever.retrieve(item.question, k=k, exclude_docs=exclude)
    candidates = extractor.candidates(retrieval.question, retrieval.query_vector, retrieval.passages[:k])
    span = extractor.span(retrieval.question, candidates)
    confidence = span.confidence if span else 0.0
    abstained = span is None or confidence < extractor.threshold
    hit, em, f1 = False, 0.0, 0.0
    if answerable and span is not None:
        hit = contains_answer(span.text, item.answers)
        predicted = span.short or span.text
        em, f1 = exact_match(predicted, item.answers), f1_score(predicted, item.answers)
    return QuestionResult(
        id=item.id,
        question=item.question,
        answerable=answerable,
        removed=removed,
        gold_rank=gold_rank,
        answer=span.text if span else None,
        short=span.short if span else None,
        doc_id=span.doc_id if span else None,
        score=span.score if span else float("-inf"),
        confidence=confidence,
        abstained=abstained,
        hit=hit,
        em=em,
        f1=f1,
        references=item.answers,
        group=item.group,
    )


def summarize(results: Sequence[QuestionResult]) -> dict[str, float]:
    """The table's numbers: retrieval, answers, short answers and abstention."""
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    n = len(ans) or 1
    out: dict[str, float] = {"questions": len(results), "answerable": len(ans), "unanswerable": len(una)}
    for depth in DEPTHS:
        out[f"recall@{depth}"] = sum(r.gold_rank is not None and r.gold_rank <= depth for r in ans) / n
    out["mrr"] = sum(reciprocal_rank(r.gold_rank) for r in ans) / n
    out["answer_hit@1"] = sum(r.hit and not r.abstained for r in ans) / n
    out["short_em"] = sum(r.em for r in ans if not r.abstained) / n
    out["short_f1"] = sum(r.f1 for r in ans if not r.abstained) / n
    out["short_given"] = sum(r.short is not None and not r.abstained for r in ans) / n
    out["answerable_abstained"] = sum(r.abstained for r in ans) / n
    if una:
        abstained = [r for r in results if r.abstained]
        right = sum(r.abstained for r in una)
        out["abstention_recall"] = right / len(una)
        out["abstention_precision"] = right / len(abstained) if abstained else 1.0
    return out


def calibration_outcomes(results: Sequence[QuestionResult]) -> tuple[list[float], list[bool]]:
    """The (confidence, right) pairs a calibration is judged on. The confidence means « the probability
    that the answer shown is right », so every question for which the assistant produced an answer
    sentence counts, abstained or not (the would-be answer; the threshold is a separate choice), with
    right = the sentence holds a reference answer (``hit``): an answer to an unanswerable question,
    including an answerable one asked with its context removed, is always wrong. Questions without
    any answer sentence (no candidate at all) have no confidence to judge and are left out."""
    kept = [r for r in results if r.answer is not None]
    return [r.confidence for r in kept], [bool(r.answerable and r.hit) for r in kept]


def run_eval(
    eval_set: EvalSet,
    assistant: Assistant,
    *,
    k: int = 5,
    removal: bool = False,
    settings: dict | None = None,
    on_step: Callable[[], None] | None = None,
) -> EvalReport:
    """Ask every question of ``eval_set`` (twice with ``removal``: also without its context)."""
    results = []
    for item in eval_set.items:
        results.append(evaluate_item(assistant, item, k=k))
        if removal and item.answerable:
            results.append(evaluate_item(assistant, item, k=k, removed=True))
        if on_step:
            on_step()
    ans = [(r.confidence, r.hit) for r in results if r.answerable]
    una = [r.confidence for r in results if not r.answerable]
    rows = tuple(trade_off(ans, una, TRADE_OFF_THRESHOLDS)) if una else ()
    confidences, correct = calibration_outcomes(results)
    return EvalReport(
        name=eval_set.path.name,
        settings={**(settings or {}), "k": k, "removal": removal, "threshold": assistant.extractor.threshold},
        metrics=summarize(results),
        trade_off=rows,
        results=tuple(results),
        reliability=reliability_table(confidences, correct),
        ece=expected_calibration_error(confidences, correct) if confidences else None,
    )


def fit_calibration(report: EvalReport, *, max_answerable_abstained: float = 0.05) -> dict[str, float]:
    """Calibration fitted on a run (best with ``removal``): the logistic curve from the raw scores
    to « the answer is right », and the highest confidence threshold that abstains on at most
    ``max_answerable_abstained`` of the answerable questions."""
    from qa.calibration import Calibration, fit, pick_threshold

    kept = [r for r in report.results if np.isfinite(r.score)]
    center, slope = fit([r.score for r in kept], [bool(r.answerable and r.hit) for r in kept])
    fitted = Calibration(center=center, slope=slope, threshold=0.5)
    ans = [fitted.confidence(r.score) if np.isfinite(r.score) else 0.0 for r in report.results if r.answerable]
    una = [fitted.confidence(r.score) if np.isfinite(r.score) else 0.0 for r in report.results if not r.answerable]
    threshold = pick_threshold(ans, una, max_answerable_abstained=max_answerable_abstained)
    return {"center": center, "slope": slope, "threshold": threshold}


def calibration_out_of_fold(
    report: EvalReport, *, folds: int = 2, max_answerable_abstained: float = 0.05
) -> OutOfFoldCalibration:
    """Platt against isotonic on a run (best with ``removal``): each fitted on the questions of some
    articles (``QuestionResult.group``) and its ECE measured on the others', ``folds`` ways; both then
    fitted on all, with the threshold :func:`fit_calibration` would pick."""
    from dataclasses import replace

    from qa.calibration import fit_calibration_out_of_fold, pick_threshold

    kept = [r for r in report.results if r.answer is not None and np.isfinite(r.score)]
    compared = fit_calibration_out_of_fold(
        [r.score for r in kept],
        [bool(r.answerable and r.hit) for r in kept],
        [r.group or r.id for r in kept],
        folds=folds,
    )

    def threshold(calibration) -> float:
        ans = [calibration.confidence(r.score) if np.isfinite(r.score) else 0.0 for r in report.results if r.answerable]
        return pick_threshold(ans, [], max_answerable_abstained=max_answerable_abstained)

    return replace(
        compared,
        platt=replace(compared.platt, threshold=threshold(compared.platt)),
        isotonic=replace(compared.isotonic, threshold=threshold(compared.isotonic)),
    )
