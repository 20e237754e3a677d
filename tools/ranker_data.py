"""Dump the extractor's candidate sentences of a SQuAD-format dev set, for fitting the sentence ranker.

    python tools/ranker_data.py ../shared/eval/piaf-v1.1-dev.json      # → .qa/ranker/piaf-v1.1-dev.jsonl
    python tools/ranker_data.py FILE --limit 300                        # a smoke run

One JSON line per question asked (every answerable question, then again with its context
removed from the index: those are the « the fact is not here » examples the abstention learns
from): the question, its fold (two folds by article, the same split as tools/fit_short.py), and
its first :data:`DEPTH` candidate sentences by the extractor's score with every score part, the
sentence's and its previous sentence's text, and whether the sentence holds a reference answer.
The ranker (tools/fit_ranker.py) reads this file; nothing here is tuned.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEPTH = 10  # candidate sentences kept per question


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="first N answerable questions only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    from index.settings import qa_home
    from qa.evalsets import load_eval_set
    from qa.metrics import contains_answer
    from ui.eval_command import build_assistant, eval_args

    eval_set = load_eval_set(args.file)
    assistant, encoder, _ = build_assistant(eval_args(no_short=True, reader=False, reader_head=False), eval_set)
    retriever, extractor, store = assistant.retriever, assistant.extractor, assistant.retriever.store
    out = args.out or qa_home() / "ranker" / f"{args.file.stem}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    items = [i for i in eval_set.items if i.answerable][: args.limit]
    with out.open("w", encoding="utf-8") as fh:
        for n, item in enumerate(items, start=1):
            for removed in (False, True):
                retrieval = retriever.retrieve(item.question, k=5, exclude_docs=item.gold_docs if removed else ())
                candidates = extractor.candidates(retrieval.question, retrieval.query_vector, retrieval.passages)
                rows = []
                for c in candidates[:DEPTH]:
                    sentence = store.sentence(c.row)
                    before = store.neighbours(c.row)
                    previous = store.sentence(before[0]).text if before and before[0] < c.row else ""
                    start, end = extractor.extent(retrieval.question, c)
                    rows.append({
                        "row": c.row, "doc_id": c.doc_id, "start": c.start, "end": c.end, "text": sentence.text,
                        "previous": previous, "score": c.score, "dense": c.dense, "lexical": c.lexical,
                        "context": c.context, "passage_rank": c.passage_rank, "coverage": c.coverage,
                        "passage_similarity": c.passage_similarity,
                        "hit": bool(not removed and contains_answer(sentence.text, item.answers)),
                        "span_hit": bool(not removed and contains_answer(
                            store.article(c.doc_id).text[start:end], item.answers)),
                    })
                fh.write(json.dumps({
                    "id": item.id, "question": retrieval.question, "answers": list(item.answers),
                    "removed": removed, "fold": item.fold, "candidates": rows,
                }, ensure_ascii=False) + "\n")
            if n % 200 == 0:
                print(f"{n}/{len(items)}", file=sys.stderr, flush=True)
    encoder.save()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
