"""End-to-end answer latency (warm) over 200 questions, and cold start of `qa serve` to its first answer.

    python bench/answer.py [--corpus corpus] [--no-cold]

The index of the news corpus is built with the default settings into a temporary folder.
Warm: one Assistant (model loaded once), 200 questions asked one at a time: the 41 news
questions, their accent-free variants, and 118 PIAF dev questions (seeded; mostly without
an answer in these articles, which exercises the abstention path), after 5 warm-up
questions. Printed: p50/p95 of ``Assistant.ask`` with the default settings (the reader on: spaCy's
analysis of the first sentences, cached by sentence as a server keeps it, and the same with the cache
emptied before every question), on the fast path (``--no-reader``), with the reader's head
(``--reader-head``), and of retrieval alone in the dense and the hybrid modes. Cold start: wall time from
launching ``qa serve`` on that index to the first answer over its HTTP API (``/ask``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, load_line, news_questions, peak_rss_mb, percentiles, time_calls

from index.french import fold
from index.models.encoder import Encoder
from index.store import Store
from index.writer import build_index
from qa.assistant import Assistant
from qa.retriever import Retriever, encoder_for_index

PIAF = ROOT.parent / "shared" / "eval" / "piaf-v1.1-dev.json"


def questions_200() -> list[str]:
    news = news_questions()
    out = news + [fold(q) for q in news]
    data = json.loads(PIAF.read_text(encoding="utf-8"))
    piaf = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    return out + random.Random(0).sample(piaf, 200 - len(out))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_start(index_dir: Path, question: str, *, timeout: float = 120.0) -> tuple[float, float]:
    """Seconds from launching `qa serve` to (server answering HTTP, first answer received)."""
    from gradio_client import Client

    port = free_port()
    qa = Path(sys.executable).with_name("qa")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    began = time.perf_counter()
    proc = subprocess.Popen([str(qa), "serve", "--index", str(index_dir), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        while True:
            if time.perf_counter() - began > timeout:
                raise TimeoutError(f"qa serve gave no answer within {timeout:.0f} s")
            if proc.poll() is not None:
                raise RuntimeError(f"qa serve exited with {proc.returncode}")
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            except Exception:  # not listening yet
                time.sleep(0.1)
                continue
            up = time.perf_counter() - began
            client.predict(question, api_name="/ask")
            return up, time.perf_counter() - began
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start measurement")
    parser.add_argument("--no-head", action="store_true", help="skip the answers with the reader's head")
    args = parser.parse_args()
    print(f"bench/answer.py   {load_line()}")
    encoder = Encoder()
    questions = questions_200()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        summary = build_index(args.corpus, index_dir, encoder=encoder, progress=False)
        store = Store.load(index_dir)
        queries = encoder_for_index(store)  # as `qa serve` does: the index's query backend
        from qa.reading.sentence import clear_cache

        assistant = Assistant(Retriever(store, queries))
        fast = Assistant(Retriever(store, queries), reader=False)
        dense = Retriever(store, queries, retrieval="dense")
        hybrid = Retriever(store, queries, retrieval="hybrid")
        for q in questions[:5]:
            assistant.ask(q)
            fast.ask(q)
        answer_ms = time_calls(assistant.ask, questions)

        def uncached(q: str):
            clear_cache()
            return assistant.ask(q)

        uncached_ms = time_calls(uncached, questions)
        fast_ms = time_calls(fast.ask, questions)
        dense_ms = time_calls(lambda q: dense.search(q, k=5), questions)
        hybrid_ms = time_calls(lambda q: hybrid.search(q, k=5), questions)
        print(f"news corpus: {summary.articles} articles, {summary.chunks} chunks; backend {encoder.backend} "
              f"(queries {queries.backend}); "
              f"{len(questions)} questions   {load_line()}")
        print(f"answer (default: {assistant.retriever.retrieval}, reader) {percentiles(answer_ms)}")
        print(f"answer, sentence cache emptied       {percentiles(uncached_ms)}")
        print(f"answer, fast path (--no-reader)      {percentiles(fast_ms)}")
        print(f"retrieval dense (k=5)                {percentiles(dense_ms)}")
        print(f"retrieval hybrid (k=5)               {percentiles(hybrid_ms)}")
        if not args.no_head:
            head = Assistant(Retriever(store, queries), reader_head=True)
            for q in questions[:5]:
                head.ask(q)
            head_ms = time_calls(head.ask, questions)
            print(f"answer with the head ({head.extractor.reader.precision})     {percentiles(head_ms)}")
        print(f"peak RSS                             {peak_rss_mb():7.0f} MiB")
        if not args.no_cold:
            up, first = cold_start(index_dir, questions[0])
            print(f"cold start: qa serve launched → HTTP up {up:.1f} s → first answer {first:.1f} s   {load_line()}")


if __name__ == "__main__":
    main()
