"""Side by side with LangChain on the same chunks, model and k: build time, search latency, memory.

    python bench/vs_langchain.py [--chunks 1600] [--queries 200] [-k 4]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: langchain-community, langchain-huggingface).
The documents are the first ``--chunks`` of bench/common.py's French prose (seeded shuffle), the
model is the prepared default model directory for both, with its E5 prompts on both sides
(``prompt_name`` passage/query in LangChain's encode kwargs), vectors normalized on both sides.

- LangChain: ``FAISS.from_documents(docs, HuggingFaceEmbeddings(model_name=<dir>))`` (torch,
  sentence-transformers), then ``similarity_search(q, k)``.
- Ours, same work: ``Encoder`` (default backend) + ``make_faiss_index``; and our full
  ``build_index`` of the same texts as articles (it also embeds every sentence for answer
  extraction and builds the BM25 index: more work than LangChain does), whose index then
  serves ``Retriever.search(q, k)`` (dense, and hybrid for information).

Each side runs in its own process (its own peak RSS). Ratios are LangChain ÷ ours (build
time, latency): above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, french_prose, load_line, peak_rss_mb

PIAF = ROOT.parent / "shared" / "eval" / "piaf-v1.1-dev.json"


def corpus(n: int) -> list[str]:
    chunks = french_prose()
    random.Random(0).shuffle(chunks)
    return chunks[:n]


def questions(n: int) -> list[str]:
    data = json.loads(PIAF.read_text(encoding="utf-8"))
    qs = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    return random.Random(1).sample(qs, n)


def latencies(fn, items) -> dict:
    for q in items[:5]:
        fn(q)
    ms = []
    for q in items:
        began = time.perf_counter()
        fn(q)
        ms.append((time.perf_counter() - began) * 1000)
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95))}


def run_langchain(args) -> dict:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.models.resolve import resolve_model

    texts, qs = corpus(args.chunks), questions(args.queries)
    docs = [Document(page_content=t, metadata={"i": i}) for i, t in enumerate(texts)]
    embeddings = HuggingFaceEmbeddings(
        model_name=resolve_model("default"),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "prompt_name": "passage"},
        query_encode_kwargs={"normalize_embeddings": True, "prompt_name": "query"},
    )
    embeddings.embed_query("préchauffage")
    began = time.perf_counter()
    store = FAISS.from_documents(docs, embeddings)
    build = time.perf_counter() - began
    search = latencies(lambda q: store.similarity_search(q, k=args.k), qs)
    return {"build": build, "search": search, "rss": peak_rss_mb()}


def run_ours(args) -> dict:
    from index.article import Article
    from index.faiss_index import make_faiss_index
    from index.models.encoder import Encoder
    from index.store import Store
    from index.writer import build_index
    from qa.retriever import Retriever, encoder_for_index

    texts, qs = corpus(args.chunks), questions(args.queries)
    encoder = Encoder()
    encoder.encode_queries(["préchauffage"])
    began = time.perf_counter()
    make_faiss_index(encoder.encode_passages(texts, progress=False), factory="auto")
    same_work = time.perf_counter() - began
    articles = [Article(doc_id=f"c{i:05d}", text=t) for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = build_index(articles, Path(tmp) / "index", encoder=encoder, progress=False)
        full = time.perf_counter() - began
        store = Store.load(Path(tmp) / "index")
        queries = encoder_for_index(store)  # the index's query backend, as Retriever.load uses
        dense = Retriever(store, queries, retrieval="dense")
        hybrid = Retriever(store, queries, retrieval="hybrid")
        search = latencies(lambda q: dense.search(q, k=args.k), qs)
        search_hybrid = latencies(lambda q: hybrid.search(q, k=args.k), qs)
    return {"build": same_work, "full_build": full, "chunks_full": summary.chunks, "sentences": summary.sentences,
            "search": search, "search_hybrid": search_hybrid, "rss": peak_rss_mb(),
            "backend": f"{encoder.backend} (queries {queries.backend})"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1600)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("-k", type=int, default=4)
    parser.add_argument("--side", choices=("ours", "langchain"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(run_ours(args) if args.side == "ours" else run_langchain(args)))
        return
    print(f"bench/vs_langchain.py   {load_line()}")
    got = {}
    for side in ("langchain", "ours"):
        cmd = [sys.executable, __file__, "--side", side, "--chunks", str(args.chunks), "--queries", str(args.queries),
               "-k", str(args.k)]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            sys.exit(f"{side} failed:\n{out.stderr[-3000:]}")
        got[side] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {side} done   {load_line()}")
    lc, us = got["langchain"], got["ours"]
    n = args.chunks
    print(f"{n} chunks of French prose, {args.queries} PIAF questions, k={args.k}; ours: backend {us['backend']}")
    print(f"{'':34s} {'LangChain':>12s} {'ours':>12s} {'ratio':>7s}")
    ratio = lc["build"] / us["build"]
    print(f"{'build (embed chunks + FAISS) s':34s} {lc['build']:12.1f} {us['build']:12.1f} {ratio:7.2f}")
    print(f"{'  chunks/s':34s} {n / lc['build']:12.1f} {n / us['build']:12.1f}")
    print(f"{'our full build_index s':34s} {'':12s} {us['full_build']:12.1f} {lc['build'] / us['full_build']:7.2f}"
          f"   (+{us['sentences']} sentence vectors, BM25)")
    print(f"{'search p50 ms (dense)':34s} {lc['search']['p50']:12.1f} {us['search']['p50']:12.1f} "
          f"{lc['search']['p50'] / us['search']['p50']:7.2f}")
    print(f"{'search p95 ms (dense)':34s} {lc['search']['p95']:12.1f} {us['search']['p95']:12.1f} "
          f"{lc['search']['p95'] / us['search']['p95']:7.2f}")
    print(f"{'search p50 / p95 ms (ours hybrid)':34s} {'':12s} "
          f"{us['search_hybrid']['p50']:5.1f} / {us['search_hybrid']['p95']:4.1f}")
    print(f"{'peak RSS MiB':34s} {lc['rss']:12.0f} {us['rss']:12.0f} {lc['rss'] / us['rss']:7.2f}")


if __name__ == "__main__":
    main()
