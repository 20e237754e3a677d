"""Helpers shared by the benchmark scripts: timing percentiles, peak memory, question sets."""

from __future__ import annotations

import json
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
