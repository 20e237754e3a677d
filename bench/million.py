"""A served index of a million chunks: open time, memory, and hybrid / dense retrieval and answer latency.

    python bench/million.py [--chunks 1000000] [--queries 200]

`bench/search.py` times FAISS alone; this opens a complete index directory of ``--chunks``
chunks with :class:`qa.Retriever` / :class:`qa.Assistant`, exactly as ``qa serve`` does, and
times what a user waits for: hybrid retrieval (question encoding, FAISS, BM25, sentence
re-scoring of the candidates, fusion, passage assembly), dense retrieval, and the answer.

How the index is made (embedding a million real chunks would take ~7 hours here):

- **Text**: real French sentences (PIAF dev + CNIL FAQ contexts + the news corpus, split by
  :func:`index.french.sentence_spans`) recombined into synthetic articles of 5 chunks of 4
  sentences; an article draws its sentences from 2 source texts, so it keeps some topic.
  BM25 is built by the library's own :meth:`LexicalIndex.add_counts` (term counts of a chunk
  are the sums of its sentences' counts, analysed once per distinct sentence).
- **Chunk vectors**: the 1M-vector index that ``auto`` picks (``IVF4096,PQ192x4fs``, with
  its fp16 vectors for re-scoring), made by `bench/search.py --factories auto` (real chunk
  vectors + density-estimate draws; run that script first); an index directory made by an
  earlier version, or with another FAISS index, is made again. They are not
  the embeddings of these texts: latency and memory do not depend on which vector goes with which text, quality
  does, and is not measured here.
- **Sentence vectors**: random unit vectors in float16, one per sentence (same size and
  access pattern as real ones).

Everything is written once into ``.qa/bench/million-<chunks>/`` (about 4 GB at 1M chunks;
delete it to rebuild). The timing runs in a fresh process that opens the index as a server
would; it prints the time to open, the RSS after opening and after the queries (model
included), and p50 / p95 latencies over real PIAF questions, one at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from common import ROOT, load_line, rss_mb, squad_contexts

from index.faiss_index import choose_factory

CACHE = ROOT / ".qa" / "bench"
SENTENCES_PER_CHUNK = 4
CHUNKS_PER_ARTICLE = 5


def source_sentences() -> list[list[str]]:
    """Sentences of each real text (PIAF, CNIL, news), texts with at least 4 sentences."""
    from index.article import load_corpus
    from index.french import sentence_spans

    texts = squad_contexts("piaf-v1.1-dev.json") + squad_contexts("cnil-faq-dev.json")
    texts += [a.text for a in load_corpus(ROOT / "corpus")]
    out = []
    for text in texts:
        sentences = [" ".join(text[s:e].split()) for s, e in sentence_spans(text)]
        sentences = [s for s in sentences if len(s) >= 20]
        if len(sentences) >= SENTENCES_PER_CHUNK:
            out.append(sentences)
    return out


def make_index(target: Path, chunks: int) -> None:
    """Write the index directory ``target`` through the index writer (see the module's docstring)."""
    from index.article import Article
    from index.chunking import ChunkingSettings
    from index.french import analyze
    from index.lexical import LexicalIndex
    from index.manifest import ChunkingEntry
    from index.models.encoder import Encoder
    from index.writer import model_entry, write_index

    began = time.perf_counter()
    texts = source_sentences()
    pool = sorted({s for t in texts for s in t})
    number = {s: i for i, s in enumerate(pool)}
    bags = [Counter(analyze(s)) for s in pool]
    print(f"  {len(pool):,} distinct real sentences from {len(texts)} texts, analysed "
          f"({time.perf_counter() - began:.0f} s)")
    rng = random.Random(0)
    n_articles = -(-chunks // CHUNKS_PER_ARTICLE)
    per_article = SENTENCES_PER_CHUNK * CHUNKS_PER_ARTICLE
    chunk_rows = np.zeros((chunks, 3), dtype=np.int64)
    sentence_rows = np.zeros((chunks * SENTENCES_PER_CHUNK, 3), dtype=np.int64)
    chunk_sentences = np.zeros((chunks, SENTENCES_PER_CHUNK), dtype=np.int64)  # pool numbers
    articles = []
    c = s = 0
    for a in range(n_articles):
        first, second = rng.choice(texts), rng.choice(texts)
        picked = [rng.choice(first if i % 3 else second) for i in range(per_article)]
        body, offset = [], 0
        for i, sentence in enumerate(picked):
            if c >= chunks:
                break
            sentence_rows[s] = (a, offset, offset + len(sentence))
            chunk_sentences[c, i % SENTENCES_PER_CHUNK] = number[sentence]
            if i % SENTENCES_PER_CHUNK == 0:
                chunk_start = offset
            body.append(sentence)
            offset += len(sentence) + 1
            s += 1
            if i % SENTENCES_PER_CHUNK == SENTENCES_PER_CHUNK - 1:
                chunk_rows[c] = (a, chunk_start, offset - 1)
                c += 1
        articles.append(Article(doc_id=f"synthetic-{a:07d}", text=" ".join(body), title=f"Article synthétique {a}"))
    print(f"  {n_articles:,} articles, {chunks:,} chunks made ({time.perf_counter() - began:.0f} s)")

    CACHE.mkdir(parents=True, exist_ok=True)
    vectors_file = CACHE / f"million-{chunks}-sentence-vectors.npy"
    vectors = np.lib.format.open_memmap(
        vectors_file, mode="w+", dtype=np.float16, shape=(chunks * SENTENCES_PER_CHUNK, 384)
    )
    gen = np.random.default_rng(0)
    for lo in range(0, len(vectors), 200_000):
        block = gen.standard_normal((min(200_000, len(vectors) - lo), 384)).astype(np.float32)
        vectors[lo : lo + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    vectors.flush()
    print(f"  sentence vectors made ({time.perf_counter() - began:.0f} s)")

    built = time.perf_counter()
    lexical = LexicalIndex()
    lexical.add_counts((i, sum((bags[j] for j in row[1:]), Counter(bags[row[0]]))) for i, row in
                       enumerate(chunk_sentences.tolist()))
    print(f"  BM25 index: {time.perf_counter() - built:.0f} s for {chunks:,} chunks, {len(lexical.vocab):,} terms")

    index, chunk_vectors = auto_index(chunks)
    try:
        manifest = write_index(
            target, articles=articles, chunks=chunk_rows, sentences=sentence_rows, sentence_vectors=vectors,
            faiss_index=index, lexical=lexical, model=model_entry(Encoder()),
            chunking=ChunkingEntry(ChunkingSettings(chunk_size=600, chunk_overlap=0, titles=False),
                                   splitter="synthetic"),
            requested="auto", chunk_vectors=chunk_vectors,
        )
    finally:
        del vectors
        vectors_file.unlink(missing_ok=True)
    print(f"  done in {time.perf_counter() - began:.0f} s; {sum(manifest.files.values()) / 2**30:.2f} GiB")


def child(index_dir: str, questions: list[str]) -> None:
    """Open the index as `qa serve` does and time one question at a time; prints one JSON line."""
    from qa import Assistant, Retriever

    base = rss_mb()
    began = time.perf_counter()
    hybrid = Retriever.load(index_dir)
    hybrid.retrieve("préchauffage")
    opened = time.perf_counter() - began
    opened_rss = rss_mb()
    dense = Retriever(hybrid.store, hybrid.encoder, retrieval="dense")
    assistant = Assistant(hybrid)
    out = {"base_rss": base, "open_s": opened, "open_rss": opened_rss, "load": os.getloadavg()[0]}
    for name, fn in (
        ("dense", lambda q: dense.retrieve(q)),
        ("hybrid", lambda q: hybrid.retrieve(q)),
        ("bm25", lambda q: hybrid.lexical.search(q, k=50)),
        ("answer", lambda q: assistant.ask(q)),
    ):
        for q in questions[:10]:
            fn(q)
        ms = []
        for q in questions:
            t = time.perf_counter()
            fn(q)
            ms.append((time.perf_counter() - t) * 1000)
        out[name] = [float(np.percentile(ms, 50)), float(np.percentile(ms, 95))]
    out["end_rss"] = rss_mb()
    print(json.dumps(out))


def auto_index(chunks: int):
    """The FAISS index ``auto`` picks for ``chunks``, as bench/search.py cached it, and the chunks'
    fp16 vectors (memory-mapped) when it re-scores, else None."""
    import faiss

    from index.faiss_index import needs_rerank

    factory = choose_factory("auto", chunks)
    source = CACHE / f"search-kde-{chunks}-{factory.replace(',', '_')}.faiss"
    index = faiss.read_index(str(source))
    if index.ntotal != chunks:
        raise SystemExit(f"{source} holds {index.ntotal:,} vectors, not {chunks:,}")
    vectors = np.load(CACHE / f"vectors-kde-{chunks}-f16.npy", mmap_mode="r") if needs_rerank(index) else None
    return index, vectors


def is_current(target: Path, chunks: int) -> bool:
    """Whether the index directory ``target`` is readable by this version and holds today's ``auto``
    FAISS index for ``chunks`` (else it is made again)."""
    from index.errors import IndexLoadError
    from index.faiss_index import manifest_entry
    from index.manifest import Manifest

    try:
        manifest = Manifest.read(target)
    except IndexLoadError:
        return False
    index, _ = auto_index(chunks)
    return manifest.faiss == manifest_entry(index, requested="auto")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = json.loads((ROOT.parent / "shared" / "eval" / "piaf-v1.1-dev.json").read_text(encoding="utf-8"))
    questions = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    questions = random.Random(0).sample(questions, args.queries)
    if args.child:
        child(args.child, questions)
        return
    print(f"bench/million.py   {load_line()}")
    target = CACHE / f"million-{args.chunks}"
    factory = choose_factory("auto", args.chunks)
    if not (CACHE / f"search-kde-{args.chunks}-{factory.replace(',', '_')}.faiss").is_file():
        raise SystemExit(f"the {factory} index of {args.chunks:,} vectors is missing: run "
                         f"`python bench/search.py --sizes {args.chunks} --factories auto` first")
    if not is_current(target, args.chunks):
        print(f"making {target} …")
        make_index(target, args.chunks)
    cmd = [sys.executable, __file__, "--child", str(target), "--queries", str(args.queries)]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if run.returncode != 0:
        raise SystemExit(f"the timing process failed:\n{run.stderr[-3000:]}")
    got = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"\n{args.chunks:,} chunks, {len(questions)} PIAF questions, one at a time   {load_line()}")
    print(f"open (Retriever.load + first question): {got['open_s']:.1f} s; RSS {got['base_rss']:.0f} MiB bare, "
          f"{got['open_rss']:.0f} MiB opened, {got['end_rss']:.0f} MiB after the questions (model included)")
    print(f"{'measure':40s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, label in (("dense", "dense retrieval (k=5)"), ("hybrid", "hybrid retrieval (k=5, the default)"),
                        ("bm25", "BM25 alone (50 candidates)"), ("answer", "answer = hybrid + extraction")):
        print(f"{label:40s} {got[name][0]:8.1f} {got[name][1]:8.1f}")


if __name__ == "__main__":
    main()
