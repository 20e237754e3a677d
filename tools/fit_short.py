"""Fit the weights that pick the short answer among the pattern candidates (``qa.short.PICK_WEIGHTS``).

    python tools/fit_short.py                 # PIAF dev: 2-fold figures, then the weights to paste
    python tools/fit_short.py --limit 500     # a smoke run

What it learns from: for every answerable question whose answer (the extractor's sentence, short
answers off) holds a reference answer, the candidates of :func:`qa.short.span_candidates` in that
sentence; the target is the candidate whose token F1 with the best reference is highest
(listwise: a softmax over one question's candidates). Questions whose candidates all score 0
teach nothing and are left out of the fit, not of the figures.

How it is judged: two folds by article (a question's pick comes from weights fitted on the other
articles' questions), mean short-answer F1 over the answer-holding questions, against the
hand-written rule (the preferred kind, then the candidate nearest to the question's words).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RULE = {"preferred": 1000.0, "no_new_term": -100.0, "distance": -1.0}


def answered(path: Path, limit: int | None) -> list[dict]:
    """The answer-holding questions: question, answer text, references, fold."""
    from qa.evalsets import load_eval_set
    from qa.metrics import contains_answer
    from ui.eval_command import build_assistant, eval_args

    eval_set = load_eval_set(path)
    args = eval_args(no_short=True, reader=False, reader_head=False)
    assistant, encoder, _ = build_assistant(args, eval_set)
    retriever, extractor = assistant.retriever, assistant.extractor
    out = []
    for item in [i for i in eval_set.items if i.answerable][:limit]:
        retrieval = retriever.retrieve(item.question, k=5)
        candidates = extractor.candidates(retrieval.question, retrieval.query_vector, retrieval.passages[:5])
        span = extractor.span(retrieval.question, candidates)
        if span is not None and contains_answer(span.text, item.answers):
            out.append({
                "question": retrieval.question,
                "text": span.text,
                "answers": list(item.answers),
                "fold": item.fold,
            })
    encoder.save()
    return out


def collect(records: list[dict]) -> list[dict]:
    """Per record with candidates: their features and F1."""
    from qa.metrics import f1_score
    from qa.short import span_candidates

    out = []
    for r in records:
        found = span_candidates(r["question"], r["text"])
        if found:
            out.append({
                "fold": r["fold"],
                "features": [c.features for c in found],
                "f1": [f1_score(r["text"][c.start : c.end], r["answers"]) for c in found],
            })
    return out


def fit(questions: list[dict], names: list[str], *, l2: float = 0.01, steps: int = 2000, lr: float = 0.05) -> dict:
    """Listwise softmax fit (Adam on the mean cross-entropy toward the best candidates)."""
    xs, ts = [], []
    for q in questions:
        f1 = np.array(q["f1"])
        if f1.max() <= 0:
            continue
        xs.append(np.array([[c[n] for n in names] for c in q["features"]]))
        ts.append((f1 == f1.max()) / (f1 == f1.max()).sum())
    w, m, v = np.zeros(len(names)), np.zeros(len(names)), np.zeros(len(names))
    for step in range(1, steps + 1):
        grad = l2 * w
        for x, t in zip(xs, ts):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += x.T @ (p - t) / len(xs)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return {n: round(float(x), 3) for n, x in zip(names, w)}


def mean_f1(questions: list[dict], weights: dict) -> float:
    from qa.short import pick_score

    total = 0.0
    for q in questions:
        scores = [pick_score(f, weights) for f in q["features"]]
        total += q["f1"][int(np.argmax(scores))]  # the first of equals, as the rule's nearest-first order
    return total / max(len(questions), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/piaf-v1.1-dev.json")
    parser.add_argument("--limit", type=int, default=None, help="the first N questions only (a smoke run)")
    args = parser.parse_args(argv)
    questions = collect(answered(args.eval, args.limit))
    names = list(questions[0]["features"][0])
    rule = learned = 0.0
    for fold in (0, 1):
        train = [q for q in questions if q["fold"] != fold]
        test = [q for q in questions if q["fold"] == fold]
        weights = fit(train, names)
        rule += mean_f1(test, RULE) * len(test)
        learned += mean_f1(test, weights) * len(test)
    n = len(questions)
    print(f"{n} answer-holding questions with candidates; short F1 among them, 2 folds by article:")
    print(f"  rule (nearest to the question's words) {rule / n:.3f}   learned {learned / n:.3f}")
    weights = fit(questions, names)
    print(f"  in-sample with every question: {mean_f1(questions, weights):.3f}")
    print("PICK_WEIGHTS = " + repr(weights))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
