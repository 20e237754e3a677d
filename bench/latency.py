"""Build the index of corpus/ and time it, then time retrieval and full answers (warm).

    python bench/latency.py [--corpus corpus] [--repeat 2]

Prints build time, chunks/s, query latency p50/p95 for retrieval and for the full
answer (retrieve + extract) over the news question set and accent-free variants of
it, and the peak RSS.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import ROOT, news_questions, peak_rss_mb, percentiles, time_calls

from index.french import fold
from index.models.encoder import Encoder
from index.store import Store
from index.writer import build_index
from qa.assistant import Assistant
from qa.retriever import Retriever


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the questions")
    args = parser.parse_args()

    began = time.perf_counter()
    encoder = Encoder()
    encoder.encode_queries(["chauffe"])
    load_s = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as tmp:
        summary = build_index(args.corpus, Path(tmp) / "index", encoder=encoder, progress=False)
        retriever = Retriever(Store.load(Path(tmp) / "index"), encoder)
        assistant = Assistant(retriever)
        questions = news_questions()
        questions = questions + [fold(q) for q in questions]
        for q in questions[:5]:  # warm up
            assistant.ask(q)
        search_ms = time_calls(lambda q: retriever.search(q, k=5), questions * args.repeat)
        answer_ms = time_calls(assistant.ask, questions * args.repeat)

    print(f"model load                {load_s:7.2f} s   ({encoder.name})")
    print(f"build                     {summary.seconds:7.2f} s   {summary.articles} articles, {summary.chunks} chunks, "
          f"{summary.sentences} sentences")
    print(f"chunk embedding           {summary.chunks_per_second:7.1f} chunks/s")
    print(f"retrieval (k=5)           {percentiles(search_ms)}")
    print(f"answer (retrieve+extract) {percentiles(answer_ms)}")
    print(f"peak RSS                  {peak_rss_mb():7.0f} MiB")


if __name__ == "__main__":
    main()
