"""Helpers shared by the benchmark scripts: timing percentiles, peak memory, question sets."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NEWS_QUESTIONS = ROOT / "eval" / "news-questions.jsonl"


def load_line() -> str:
    """The machine's load averages and cores, to print beside every timing."""
    one, five, fifteen = os.getloadavg()
    return f"[load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores]"


def rss_mb() -> float:
    """Current resident memory of this process, in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def news_questions() -> list[str]:
    return [json.loads(line)["question"] for line in NEWS_QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def time_calls(fn: Callable[[str], object], items: Iterable[str]) -> np.ndarray:
    """Milliseconds per call."""
    out = []
    for item in items:
        began = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - began) * 1000)
    return np.array(out)


def percentiles(ms: np.ndarray) -> str:
    return f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   (n={len(ms)})"


SHARED_EVAL = ROOT.parent / "shared" / "eval"


def squad_contexts(name: str) -> list[str]:
    """The contexts of a SQuAD-format file in ../shared/eval (``piaf-v1.1-dev.json``, ``cnil-faq-dev.json``)."""
    data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
    return [p["context"] for a in data["data"] for p in a["paragraphs"]]


def french_prose(*, min_count: int = 5000, max_chars: int = 600) -> list[str]:
    """At least ``min_count`` distinct chunks of French prose (news-chunk sized).

    The texts are the PIAF dev and CNIL FAQ contexts and the news corpus; a chunk is a run of
    consecutive sentences of one text up to ``max_chars`` characters, one chunk starting at
    every sentence (sliding windows), so the chunks overlap like the index's chunks do.
    """
    from index.article import load_corpus
    from index.french import sentence_spans

    texts = squad_contexts("piaf-v1.1-dev.json") + squad_contexts("cnil-faq-dev.json")
    texts += [a.text for a in load_corpus(ROOT / "corpus")]
    chunks: list[str] = []
    for text in texts:
        spans = sentence_spans(text)
        for i, (start, _) in enumerate(spans):
            end = spans[i][1]
            for _, e in spans[i + 1 :]:
                if e - start > max_chars:
                    break
                end = e
            chunks.append(text[start:end])
    chunks = [c for c in dict.fromkeys(chunks) if len(c) >= 40]
    if len(chunks) < min_count:
        raise RuntimeError(f"only {len(chunks)} chunks of prose, {min_count} wanted")
    return chunks
