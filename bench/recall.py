"""Retrieval quality per encoder backend: PIAF dev recall@k with whole contexts as passages.

    python bench/recall.py [--backends torch,onnx-int8] [--limit N] [--seed 0]

Indexes every context of ../shared/eval/piaf-v1.1-dev.json (exact inner-product search),
asks every question (or a seeded sample of ``--limit``), and prints recall@1/5/20 (is the
gold context among the top k) for each backend, and for each mix of passage and query
backends (an index built with one, queried with another). This is the quality gate for
the default backend: recall@5 within 0.005 of torch fp32.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np
from common import ROOT, load_line

from index.models.encoder import BACKENDS, Encoder

PIAF = ROOT.parent / "shared" / "eval" / "piaf-v1.1-dev.json"


def piaf(limit: int | None, seed: int) -> tuple[list[str], list[str], np.ndarray]:
    data = json.loads(PIAF.read_text(encoding="utf-8"))
    contexts, questions, gold = [], [], []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            contexts.append(paragraph["context"])
            for qa in paragraph["qas"]:
                questions.append(qa["question"])
                gold.append(len(contexts) - 1)
    if limit is not None and limit < len(questions):
        picked = sorted(random.Random(seed).sample(range(len(questions)), limit))
        questions, gold = [questions[i] for i in picked], [gold[i] for i in picked]
    return contexts, questions, np.array(gold)


def recall(passages: np.ndarray, queries: np.ndarray, gold: np.ndarray, ks=(1, 5, 20)) -> dict[int, float]:
    scores = queries @ passages.T
    top = np.argsort(-scores, axis=1)[:, : max(ks)]
    return {k: float((top[:, :k] == gold[:, None]).any(axis=1).mean()) for k in ks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,onnx-int8", help=f"comma-separated, from {', '.join(BACKENDS)}")
    parser.add_argument("--limit", type=int, default=None, help="questions to sample (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    contexts, questions, gold = piaf(args.limit, args.seed)
    print(f"PIAF dev: {len(contexts)} contexts, {len(questions)} questions   {load_line()}")
    vectors = {}
    for backend in backends:
        encoder = Encoder(backend=backend)
        began = time.perf_counter()
        p = encoder.encode_passages(contexts, progress=False)
        q = encoder.encode_queries(questions)
        vectors[backend] = (p, q)
        r = recall(p, q, gold)
        print(f"{backend:10s} recall@1 {r[1]:.4f}  @5 {r[5]:.4f}  @20 {r[20]:.4f}   "
              f"({time.perf_counter() - began:.0f} s to embed)")
    for pb in backends:
        for qb in backends:
            if pb != qb:
                r = recall(vectors[pb][0], vectors[qb][1], gold)
                print(f"passages {pb} / queries {qb}: recall@5 {r[5]:.4f}")
    if "torch" in vectors:
        base = vectors["torch"][0]
        for backend in backends:
            cos = (vectors[backend][0] * base).sum(axis=1)
            print(f"{backend:10s} passage cosine to torch: mean {cos.mean():.5f}  min {cos.min():.5f}")


if __name__ == "__main__":
    main()
