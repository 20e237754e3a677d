"""Fit the reading models (qa/ranking.py): the sentence ranker and the answer's confidence, on PIAF dev.

    python tools/ranker_data.py ../shared/eval/piaf-v1.1-dev.json   # the extractor's candidates (once)
    python tools/fit_reading.py                                      # 2-fold figures, then qa/data/reading.json
    python tools/fit_reading.py --folds-only                         # the figures alone

What it learns from: every answerable question's first candidate sentences (tools/ranker_data.py), each
read with qa.reading (question and sentence analysis, reading features), labelled by whether it holds a
reference answer; and for the confidence, the answer each question gets after re-ranking, asked with and
without its context in the index (removed: any answer is wrong).

How it is judged: two folds by article (a question is ranked and scored by models fitted on the other
articles' questions): sentence hit@1 against the extractor's order; for the confidence, the share of
removed-context questions abstained when at most 5 % of answerable ones are, and the expected calibration
error (ECE, 10 bins) of the held-out probabilities. The threshold stored is the one picked on the held-out
probabilities; the weights are then fitted on every question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAX_ANSWERABLE_ABSTAINED = 0.05


def read_all(path: Path) -> list[dict]:
    """The dumped questions, each candidate with its reading features."""
    from qa.reading import analyze_question, analyze_sentences, reading_features

    out = []
    for line in path.open(encoding="utf-8"):
        q = json.loads(line)
        cands = q["candidates"]
        analysis = analyze_question(q["question"])
        sentences = analyze_sentences([c["text"] for c in cands], previous=[c["previous"] or None for c in cands])
        q["readings"] = [reading_features(analysis, s) for s in sentences]
        q["scored"] = [SimpleNamespace(**c) for c in cands]
        out.append(q)
    return out


def fit_linear(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], *, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    from qa.ranking import LinearModel

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return LinearModel(names=names, mean=tuple(mean), scale=tuple(scale), coef=tuple(model.coef_[0]),
                       intercept=float(model.intercept_[0]))


def ranker_data(questions: list[dict]):
    from qa.ranking import ranker_rows

    rows, labels, owner = [], [], []
    for i, q in enumerate(questions):
        if q["removed"] or not q["scored"]:
            continue
        rows.append(ranker_rows(q["scored"], q["readings"]))
        labels += [c["hit"] for c in q["candidates"]]
        owner += [i] * len(q["candidates"])
    return np.vstack(rows), np.asarray(labels), np.asarray(owner)


def chosen(q: dict, ranker) -> int:
    """The candidate the ranker puts first."""
    from qa.ranking import ranker_rows

    return int(np.argmax(ranker.logits(ranker_rows(q["scored"], q["readings"]))))


def confidence_data(questions: list[dict], rankers: dict[int, object]):
    from qa.ranking import confidence_row

    rows, labels, removed, folds = [], [], [], []
    for q in questions:
        if not q["scored"]:
            continue
        k = chosen(q, rankers[q["fold"]])
        rows.append(confidence_row(q["candidates"][k]["score"], q["readings"][k])[0])
        labels.append(bool(q["candidates"][k]["span_hit"]))
        removed.append(q["removed"])
        folds.append(q["fold"])
    return np.asarray(rows), np.asarray(labels), np.asarray(removed), np.asarray(folds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / ".qa" / "ranker" / "piaf-v1.1-dev.jsonl")
    parser.add_argument("--folds-only", action="store_true", help="print the 2-fold figures, write nothing")
    parser.add_argument("--depth", type=int, default=8, help="sentences the ranker re-orders (default 8)")
    parser.add_argument("--fold-models", type=Path, default=None, metavar="DIR",
                        help="also write DIR/reading-fold{0,1}.json, each fitted on the other fold (for "
                             "tools/eval_reading_folds.py)")
    args = parser.parse_args(argv)

    from qa.calibration import expected_calibration_error, pick_threshold
    from qa.ranking import CONFIDENCE_FEATURES, DATA_FILE, ReadingModel, ranker_names

    questions = read_all(args.data)
    for q in questions:  # the ranker re-orders the first `depth` sentences only
        q["candidates"], q["scored"], q["readings"] = (q[k][: args.depth] for k in ("candidates", "scored", "readings"))
    answerable = [q for q in questions if not q["removed"]]
    x, y, owner = ranker_data(questions)
    folds = np.asarray([questions[i]["fold"] for i in owner])
    names = ranker_names()
    held_out = {}  # fold -> ranker fitted on the other fold
    for fold in (0, 1):
        held_out[fold] = fit_linear(x[folds != fold], y[folds != fold], names)
    extractor = np.mean([bool(q["candidates"]) and q["candidates"][0]["hit"] for q in answerable])
    ranked = np.mean([bool(q["scored"]) and q["candidates"][chosen(q, held_out[q["fold"]])]["hit"] for q in answerable])
    span = np.mean([bool(q["scored"]) and q["candidates"][chosen(q, held_out[q["fold"]])]["span_hit"]
                    for q in answerable])
    print(f"sentence hit@1, {len(answerable)} answerable questions: extractor {extractor:.4f}, "
          f"ranker (2 folds) {ranked:.4f} (answer span {span:.4f})")

    cx, cy, removed, cfolds = confidence_data(questions, held_out)
    p = np.zeros(len(cy))
    for fold in (0, 1):
        model = fit_linear(cx[cfolds != fold], cy[cfolds != fold], CONFIDENCE_FEATURES, c=10.0)
        p[cfolds == fold] = model.probabilities(cx[cfolds == fold])
    threshold = pick_threshold(p[~removed].tolist(), p[removed].tolist(),
                               max_answerable_abstained=MAX_ANSWERABLE_ABSTAINED)
    print(f"confidence (2 folds): threshold {threshold:.4f}; answerable abstained "
          f"{np.mean(p[~removed] < threshold):.4f}, context removed abstained {np.mean(p[removed] < threshold):.4f}; "
          f"held-out ECE {expected_calibration_error(p.tolist(), cy.tolist()):.4f} ({len(cy)} answers)")
    if args.fold_models:
        args.fold_models.mkdir(parents=True, exist_ok=True)
        for fold in (0, 1):
            other = cfolds != fold
            confidence = fit_linear(cx[other], cy[other], CONFIDENCE_FEATURES, c=10.0)
            ReadingModel(ranker=held_out[fold], confidence=confidence, threshold=round(threshold, 4),
                         depth=args.depth).save(args.fold_models / f"reading-fold{fold}.json")
        print(f"wrote {args.fold_models}/reading-fold0.json, reading-fold1.json")
    if args.folds_only:
        return 0
    final = ReadingModel(ranker=fit_linear(x, y, names), confidence=fit_linear(cx, cy, CONFIDENCE_FEATURES, c=10.0),
                         threshold=round(threshold, 4), depth=args.depth)
    final.save(DATA_FILE)
    print(f"wrote {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
