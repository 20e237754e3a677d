"""End-to-end `qa eval` figures of the reader on PIAF dev, out of fold: each question is answered by
reading models fitted on the other fold's articles (``tools/fit_reading.py --fold-models DIR``).

    python tools/fit_reading.py --folds-only --fold-models .qa/ranker
    python tools/eval_reading_folds.py [--models .qa/ranker] [--removal]

Prints the metrics of ``qa eval`` (qa.evaluate.summarize) and the expected calibration error over both
folds; the reading model shipped (qa/data/reading.json, fitted on every question) would score itself
in-sample, so these are the figures to report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/piaf-v1.1-dev.json")
    parser.add_argument("--models", type=Path, default=ROOT / ".qa" / "ranker")
    parser.add_argument("--removal", action="store_true", help="also ask every question with its context removed")
    parser.add_argument("--no-reader", action="store_true", help="the fast path instead, for the figures before")
    args = parser.parse_args(argv)

    from dataclasses import asdict

    from qa.calibration import expected_calibration_error, reliability_table
    from qa.evalsets import load_eval_set
    from qa.evaluate import calibration_outcomes, evaluate_item, summarize
    from qa.ranking import load_model
    from qa.reading import expected_type
    from ui.eval_command import build_assistant, eval_args

    eval_set = load_eval_set(args.eval)
    assistant, encoder, _ = build_assistant(eval_args(reader=not args.no_reader), eval_set)
    results = []
    for fold in (0, 1):
        if not args.no_reader:
            model = load_model(args.models / f"reading-fold{fold}.json")
            assistant.extractor.reading = model
            assistant.extractor.threshold = model.threshold
        for item in eval_set.items:
            if item.fold != fold:
                continue
            results.append(evaluate_item(assistant, item, k=5))
            if args.removal and item.answerable:
                results.append(evaluate_item(assistant, item, k=5, removed=True))
    encoder.save()
    confidences, correct = calibration_outcomes(results)
    by_type = {}  # the metrics of each kind of question (qa.reading.expected_type; None: a description)
    for kind in sorted({str(expected_type(r.question)) for r in results}):
        by_type[kind] = summarize([r for r in results if str(expected_type(r.question)) == kind])
    print(json.dumps({"metrics": summarize(results), "ece": expected_calibration_error(confidences, correct),
                      "reliability": [asdict(b) for b in reliability_table(confidences, correct)],
                      "by_type": by_type}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
