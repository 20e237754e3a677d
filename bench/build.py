"""Build throughput per encoder backend: chunks/s, tokens/s and peak RSS on ≥ 5,000 French chunks.

    python bench/build.py [--backends torch,onnx-int8] [--limit N]

The chunks are sliding windows of sentences (≤ 600 characters, ~100 tokens) over the PIAF
and CNIL contexts and the news corpus (bench/common.py: ``french_prose``). Each backend runs
in its own process (so that peak RSS is its own) through ``Encoder.encode_passages``, the
call a build makes; the model is loaded and warmed up first and not timed. Printed per
backend: wall time, chunks/s and tokens/s (wall), CPU seconds (the machine is shared:
chunks per CPU-second is the steadier figure), peak RSS, and the speed-up over torch.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from common import ROOT, french_prose, load_line, peak_rss_mb


def child(backend: str, limit: int | None) -> None:
    from index.models.encoder import Encoder

    chunks = french_prose()[:limit]
    encoder = Encoder(backend=backend)
    encoder.encode_passages(chunks[:16])  # load and warm up
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(encoder.path, "tokenizer.json"))
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(["passage: " + c for c in chunks]))
    load = os.getloadavg()[0]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    encoder.encode_passages(chunks, progress=False)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    result = {"backend": backend, "chunks": len(chunks), "tokens": tokens, "wall": wall, "cpu": cpu,
              "rss": peak_rss_mb(), "load_before": load, "load_after": os.getloadavg()[0]}
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--limit", type=int, default=None, help="first N chunks only (quick look)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.limit)
        return
    print(f"bench/build.py   {load_line()}")
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        cmd = [sys.executable, __file__, "--child", backend] + (["--limit", str(args.limit)] if args.limit else [])
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            print(f"{backend}: failed\n{out.stderr[-2000:]}")
            continue
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if not results:
        return
    r0 = results[0]
    print(f"{r0['chunks']} chunks, {r0['tokens']} tokens ({r0['tokens'] / r0['chunks']:.0f} per chunk, "
          f"prompt included); {os.cpu_count()} cores")
    print(f"{'backend':10s} {'wall s':>8s} {'chunks/s':>9s} {'tokens/s':>9s} {'CPU s':>8s} {'chunks/CPU-s':>12s} "
          f"{'peak RSS':>9s} {'× torch':>8s} {'load':>12s}")
    base = next((r for r in results if r["backend"] == "torch"), None)
    for r in results:
        ratio = f"{base['wall'] / r['wall']:.2f}" if base else "-"
        print(f"{r['backend']:10s} {r['wall']:8.1f} {r['chunks'] / r['wall']:9.1f} {r['tokens'] / r['wall']:9.0f} "
              f"{r['cpu']:8.1f} {r['chunks'] / r['cpu']:12.2f} {r['rss']:7.0f} MiB {ratio:>8s} "
              f"{r['load_before']:5.2f}→{r['load_after']:.2f}")


if __name__ == "__main__":
    main()
