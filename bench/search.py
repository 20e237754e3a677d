"""Dense search at scale: latency, recall@10 against exact search, size on disk, RSS, per index type.

    python bench/search.py [--sizes 100000,1000000] [--factories "Flat;auto;HNSW32,SQ8"] [--queries 200]

``auto`` stands for the approximate index that ``qa index build`` picks at that size.

How the vectors are made (real embeddings run at ~25-60 chunks/s here, so a million real
ones are out of reach): the 5,174 real chunk embeddings of bench/common.py's French prose
(PIAF + CNIL contexts, news corpus), then synthetic vectors drawn from a Gaussian kernel
density estimate of the real ones (a random real vector plus noise with the real vectors'
covariance, scaled so that the cosine to that anchor is the real data's median
5th-nearest-neighbour cosine, 0.89), L2-normalized, up to the size (seed 0; see ``corpus_vectors``).
Queries are real: 200 PIAF dev questions (seeded sample), embedded with the query prompt.
Ground truth is exact inner-product search (FAISS Flat) over the same vectors.

Each index is built once and kept in ``.qa/bench/`` (delete it to rebuild); each is then
opened memory-mapped in a fresh process that also loads the encoder, as a server would, and
times one query at a time: FAISS alone, and dense retrieval = query encoding + FAISS (with the
query backend of an index built with the default backend: fp32 ``onnx`` for ``onnx-int8``).
An index of product-quantized codes (``auto`` above 50,000) is timed as the library searches
it: ``rerank_candidates(k)`` candidates re-scored with the fp16 vectors, memory-mapped from
``vectors-kde-<size>-f16.npy`` (written once; its size is added to the index's on disk).
Printed: build time, size on disk, RSS after loading (model included) and after the queries,
p50/p95 latencies, recall@10.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import ROOT, french_prose, load_line, rss_mb

CACHE = ROOT / ".qa" / "bench"
PIAF = ROOT.parent / "shared" / "eval" / "piaf-v1.1-dev.json"
K = 10


def real_vectors(backend: str | None, queries: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Real chunk vectors, query texts and query vectors (cached in .qa/bench)."""
    from index.models.encoder import Encoder, resolve_backend

    backend = resolve_backend(backend)
    file = CACHE / f"real-{backend}-{queries}.npz"
    data = json.loads(PIAF.read_text(encoding="utf-8"))
    questions = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    questions = random.Random(0).sample(questions, queries)
    if file.is_file():
        saved = np.load(file)
        return saved["chunks"], questions, saved["queries"]
    encoder = Encoder(backend=backend)
    chunks = encoder.encode_passages(french_prose(), progress=True)
    query_vectors = encoder.encode_queries(questions)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(file, chunks=chunks, queries=query_vectors)
    return chunks, questions, query_vectors


def corpus_vectors(real: np.ndarray, size: int, *, seed: int = 0) -> np.ndarray:
    """``size`` unit vectors: the real ones, then draws from a Gaussian kernel density estimate of them.

    Each synthetic vector is a real vector (picked at random) plus Gaussian noise shaped like
    the real vectors' covariance, renormalized; the noise is scaled so that a synthetic vector's
    cosine to its anchor is the median cosine of a real vector to its 5th nearest real neighbour
    (the nearest ones are often overlapping windows of the same text).
    The set keeps the clusters of real news/encyclopedic text (topics, near-duplicates), which a
    single Gaussian fitted to the whole set would erase (and which makes ANN search harder).
    """
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    n = min(len(real), size)
    out[:n] = real[:n]
    if size <= n:
        return out
    sims = real @ real.T
    np.fill_diagonal(sims, -1.0)
    nearest = float(np.median(-np.partition(-sims, 4, axis=1)[:, 4]))  # 5th nearest neighbour
    centered = real - real.mean(axis=0)
    cov = np.cov(centered, rowvar=False)
    chol = np.linalg.cholesky(cov + 1e-6 * np.eye(real.shape[1]))
    scale = np.sqrt(1.0 / nearest**2 - 1.0) / np.sqrt(np.trace(cov))
    rng = np.random.default_rng(seed)
    for start in range(n, size, 100_000):
        stop = min(size, start + 100_000)
        anchors = real[rng.integers(0, len(real), stop - start)]
        block = anchors + scale * (rng.standard_normal((stop - start, real.shape[1])) @ chol.T)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def child(args: argparse.Namespace) -> None:
    """Open one index as a server would and time queries; prints one JSON line."""
    import faiss

    from index.models.encoder import QUERY_BACKEND, Encoder, resolve_backend

    base = rss_mb()
    built = resolve_backend(args.backend)
    encoder = Encoder(backend=QUERY_BACKEND.get(built, built))  # what a server of such an index uses
    encoder.encode_queries(["préchauffage"])
    model_rss = rss_mb()
    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    try:
        index = faiss.read_index(args.child, flags)
    except RuntimeError:  # IVF inverted lists cannot be memory-mapped from a plain file
        index = faiss.read_index(args.child)
    loaded_rss = rss_mb()
    truth = np.load(args.truth)
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    query_vectors = np.load(args.query_vectors)
    from index.faiss_index import needs_rerank, rerank_candidates, rescore

    key_vectors = np.load(args.key_vectors, mmap_mode="r") if needs_rerank(index) else None

    def search(vectors: np.ndarray) -> np.ndarray:
        if key_vectors is None:
            return index.search(vectors, K)[1]
        _, keys = index.search(vectors, rerank_candidates(K))
        return rescore(vectors, keys, key_vectors, K)[1]

    inner = faiss.downcast_index(index)
    settings = [None]
    if isinstance(inner, faiss.IndexHNSW):
        settings = [("efSearch", v) for v in args.ef]
    elif isinstance(inner, faiss.IndexIVF):
        settings = [("nprobe", v) for v in args.nprobe]
    results = []
    for setting in settings:
        if setting and setting[0] == "efSearch":
            inner.hnsw.efSearch = setting[1]
        elif setting:
            inner.nprobe = setting[1]
        for q in query_vectors[:20]:  # warm-up
            search(q[None, :])
        search_ms, dense_ms, found = [], [], []
        for question, vector in zip(questions, query_vectors):
            began = time.perf_counter()
            ids = search(vector[None, :])
            search_ms.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            v = encoder.encode_queries([question])
            search(v)
            dense_ms.append((time.perf_counter() - began) * 1000)
            found.append(ids[0])
        recall = float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))
        results.append({
            "setting": f"{setting[0]}={setting[1]}" if setting else "",
            "search_p50": float(np.percentile(search_ms, 50)), "search_p95": float(np.percentile(search_ms, 95)),
            "dense_p50": float(np.percentile(dense_ms, 50)), "dense_p95": float(np.percentile(dense_ms, 95)),
            "recall": recall, "load": os.getloadavg()[0],
        })
    print(json.dumps({"base_rss": base, "model_rss": model_rss, "loaded_rss": loaded_rss, "final_rss": rss_mb(),
                      "results": results}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--factories", default="Flat;auto;HNSW32,SQ8",
                        help="';'-separated FAISS factories; auto: the one qa picks at that size")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", default=None, help="encoder backend (default: the default backend)")
    parser.add_argument("--ef", type=lambda s: [int(x) for x in s.split(",")], default=[32, 64, 96, 128])
    parser.add_argument("--nprobe", type=lambda s: [int(x) for x in s.split(",")], default=[64, 128, 256])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--truth", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--questions", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--query-vectors", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--key-vectors", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import faiss

    from index.faiss_index import approx_factory, make_faiss_index, needs_rerank

    print(f"bench/search.py   {load_line()}")
    real, questions, query_vectors = real_vectors(args.backend, args.queries)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "questions.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    np.save(CACHE / "query_vectors.npy", query_vectors)
    print(f"{len(real)} real chunk vectors, {len(questions)} real PIAF questions; k={K}")
    for size in [int(s) for s in args.sizes.split(",")]:
        vectors = corpus_vectors(real, size)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        _, truth = exact.search(query_vectors, K)
        del exact
        np.save(CACHE / f"truth-kde-{size}.npy", truth)
        print(f"\n== {size:,} vectors ({len(real)} real + {max(0, size - len(real)):,} synthetic)   {load_line()}")
        print(f"{'index':14s} {'setting':12s} {'build s':>8s} {'disk MiB':>9s} {'RSS load':>9s} {'RSS end':>8s} "
              f"{'faiss p50/p95 ms':>17s} {'dense p50/p95 ms':>17s} {'recall@10':>9s} {'load':>5s}")
        for factory in [f.strip() for f in args.factories.split(";") if f.strip()]:
            factory = approx_factory(size) if factory.lower() == "auto" else factory
            file = CACHE / f"search-kde-{size}-{factory.replace(',', '_')}.faiss"
            build_s = float("nan")
            if not file.is_file():
                began = time.perf_counter()
                index = make_faiss_index(vectors, factory=factory)
                build_s = time.perf_counter() - began
                faiss.write_index(index, str(file))
                del index
                (file.with_suffix(".json")).write_text(json.dumps({"build_s": build_s, "load": os.getloadavg()[0]}))
            else:
                build_s = json.loads(file.with_suffix(".json").read_text()).get("build_s", build_s)
            key_vectors = CACHE / f"vectors-kde-{size}-f16.npy"
            rerank = needs_rerank(faiss.index_factory(vectors.shape[1], factory))
            if rerank and not key_vectors.is_file():
                np.save(key_vectors, vectors.astype(np.float16))
            cmd = [sys.executable, __file__, "--child", str(file), "--truth", str(CACHE / f"truth-kde-{size}.npy"),
                   "--questions", str(CACHE / "questions.json"), "--query-vectors", str(CACHE / "query_vectors.npy"),
                   "--ef", ",".join(map(str, args.ef)), "--nprobe", ",".join(map(str, args.nprobe)),
                   "--key-vectors", str(key_vectors)]
            if args.backend:
                cmd += ["--backend", args.backend]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
            if out.returncode != 0:
                print(f"{factory}: failed\n{out.stderr[-2000:]}")
                continue
            got = json.loads(out.stdout.strip().splitlines()[-1])
            disk = (file.stat().st_size + (key_vectors.stat().st_size if rerank else 0)) / 2**20
            for r in got["results"]:
                print(f"{factory:14s} {r['setting']:12s} {build_s:8.1f} {disk:9.0f} {got['loaded_rss']:9.0f} "
                      f"{got['final_rss']:8.0f} {r['search_p50']:8.2f}/{r['search_p95']:<8.2f} "
                      f"{r['dense_p50']:8.2f}/{r['dense_p95']:<8.2f} {r['recall']:9.3f} {r['load']:5.2f}")
            print(f"{'':14s} (RSS: {got['base_rss']:.0f} MiB bare, {got['model_rss']:.0f} MiB with the model loaded)")
        del vectors


if __name__ == "__main__":
    main()
