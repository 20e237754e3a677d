"""Train the reader's head (index/models/reader_head.py) on a SQuAD-format dev file and write its weights.

    python tools/train_reader.py               # PIAF dev: 2-fold figures, then index/models/data/reader-e5-small.npz
    python tools/train_reader.py --folds-only  # the figures alone

What it learns from: for every answerable question, the sentences the extractor ranks first
(``--depth``, without the reader) in the passages the retriever returns from the file's whole
index. A sentence holding a reference answer is a positive (relevance, listwise over the
question's sentences) and the answer's tokens in it are the span target.

How it is judged: two folds by article (a question is scored by a head trained on the other
articles' questions), sentence answer-hit@1 and short-answer F1 of the top sentence, for
several weights of the relevance added to the extractor's score. The weight with the best
answer-hit@1 is stored with the head, trained on every question. The figures printed here are
the honest ones: ``qa eval`` on the same file afterwards runs a head that saw its questions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEIGHTS_GRID = (0.0, 0.01, 0.02, 0.03, 0.05, 0.1)


def collect(path: Path, depth: int) -> list[dict]:
    """The extractor's first ``depth`` sentences (reader off) for every answerable question."""
    from qa.evalsets import load_eval_set
    from qa.metrics import contains_answer
    from ui.eval_command import build_assistant, eval_args

    eval_set = load_eval_set(path)
    args = eval_args(reader=False, reader_head=False)
    assistant, encoder, _ = build_assistant(args, eval_set)
    retriever, extractor = assistant.retriever, assistant.extractor
    out = []
    for item in eval_set.items:
        if not item.answerable:
            continue
        retrieval = retriever.retrieve(item.question, k=5)
        candidates = extractor.candidates(retrieval.question, retrieval.query_vector, retrieval.passages[:5])[:depth]
        if not candidates:
            continue
        texts = [retriever.article(c.doc_id).text[c.start : c.end] for c in candidates]
        out.append({
            "question": retrieval.question,
            "answers": list(item.answers),
            "fold": item.fold,
            "texts": texts,
            "scores": [c.score for c in candidates],
            "hits": [contains_answer(t, item.answers) for t in texts],
        })
    encoder.save()
    return out


def featurize(items: list[dict], config) -> None:
    """Adds each sentence's head input (fp16 token states) and token offsets to ``items``."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModel, AutoTokenizer

    from index.models.prepare import prepare_default_model
    from index.models.reader_head import layer_states

    model_dir = prepare_default_model()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    model.encoder.layer = model.encoder.layer[: max(config.layers)]
    pairs = [(i, j) for i, item in enumerate(items) for j in range(len(item["texts"]))]
    pairs.sort(key=lambda p: len(items[p[0]]["question"]) + len(items[p[0]]["texts"][p[1]]))
    for item in items:
        item["states"], item["offsets"] = [None] * len(item["texts"]), [None] * len(item["texts"])
    with torch.no_grad():
        for at in tqdm(range(0, len(pairs), 32), desc="token states", unit="batch"):
            batch = pairs[at : at + 32]
            prefixes = [f"query: {items[i]['question'].strip()} passage: " for i, _ in batch]
            texts = [p + items[i]["texts"][j] for p, (i, j) in zip(prefixes, batch)]
            enc = tokenizer(texts, return_offsets_mapping=True, truncation=True, max_length=config.max_tokens,
                            padding=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            states = layer_states(model(**enc, output_hidden_states=True).hidden_states, config)
            for row, ((i, j), prefix) in enumerate(zip(batch, prefixes)):
                n = int(enc["attention_mask"][row].sum())
                items[i]["states"][j] = states[row, :n].numpy().astype(np.float16)
                items[i]["offsets"][j] = (offsets[row, :n] - len(prefix)).astype(np.int32)


def span_target(text: str, answers: list[str], offsets: np.ndarray) -> tuple[int, int] | None:
    """First and last token of the first reference answer found in ``text``."""
    inside = np.nonzero((offsets[:, 0] >= 0) & (offsets[:, 1] > offsets[:, 0]))[0]
    for answer in answers:
        at = text.find(answer)
        if at < 0 or not answer.strip():
            continue
        end = at + len(answer)
        first = [t for t in inside if offsets[t, 1] > at]
        last = [t for t in inside if offsets[t, 0] < end]
        if first and last and last[-1] >= first[0]:
            return int(first[0]), int(last[-1])
    return None


def _batch(states: list[np.ndarray], offsets: list[np.ndarray]):
    import torch

    width = max(len(s) for s in states)
    x = torch.zeros(len(states), width, states[0].shape[1])
    keep = torch.zeros(len(states), width)
    inside = torch.zeros(len(states), width, dtype=torch.bool)
    for r, (s, o) in enumerate(zip(states, offsets)):
        x[r, : len(s)] = torch.from_numpy(s.astype(np.float32))
        keep[r, : len(s)] = 1.0
        inside[r, : len(s)] = torch.from_numpy((o[:, 0] >= 0) & (o[:, 1] > o[:, 0]))
    return x, keep, inside


def train(items: list[dict], config, *, epochs: int, seed: int):
    import torch

    from index.models.reader_head import ReaderHead

    torch.manual_seed(seed)
    rng = random.Random(seed)
    head = ReaderHead(config)
    optimizer = torch.optim.AdamW(head.parameters(), lr=3e-4, weight_decay=0.01)
    order = list(items)
    for epoch in range(epochs):
        head.train()
        rng.shuffle(order)
        total = 0.0
        for at in range(0, len(order), 8):
            group = order[at : at + 8]
            states = [s for item in group for s in item["states"]]
            offsets = [o for item in group for o in item["offsets"]]
            x, keep, inside = _batch(states, offsets)
            start, end, relevance = head(x, keep)
            start, end = start.masked_fill(~inside, -1e4), end.masked_fill(~inside, -1e4)
            loss = torch.zeros(())
            row = 0
            for item in group:
                n = len(item["texts"])
                hits = torch.tensor(item["hits"], dtype=torch.float32)
                if hits.sum() > 0:
                    loss = loss - (torch.log_softmax(relevance[row : row + n], 0) * hits / hits.sum()).sum()
                for j in range(n):
                    if not item["hits"][j]:
                        continue
                    target = span_target(item["texts"][j], item["answers"], item["offsets"][j])
                    if target:
                        loss = loss + 0.5 * (
                            torch.nn.functional.cross_entropy(start[row + j][None], torch.tensor([target[0]]))
                            + torch.nn.functional.cross_entropy(end[row + j][None], torch.tensor([target[1]]))
                        )
                row += n
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / max(len(order), 1):.3f}", flush=True)
    return head.eval()


def judge(head, items: list[dict]) -> dict[float, tuple[float, float]]:
    """Answer-hit@1 and short F1 for each relevance weight of :data:`WEIGHTS_GRID`."""
    import torch

    from index.models.reader import best_span
    from qa.metrics import f1_score

    sums = {w: [0.0, 0.0] for w in WEIGHTS_GRID}
    with torch.no_grad():
        for item in items:
            x, keep, inside = _batch(item["states"], item["offsets"])
            start, end, relevance = (t.numpy() for t in head(x, keep))
            for w in WEIGHTS_GRID:
                top = int(np.argmax(np.asarray(item["scores"]) + w * relevance))
                n = len(item["offsets"][top])
                s, e, _ = best_span(start[top, :n], end[top, :n], item["offsets"][top])
                sums[w][0] += item["hits"][top]
                sums[w][1] += f1_score(item["texts"][top][s:e], item["answers"])
    return {w: (h / len(items), f / len(items)) for w, (h, f) in sums.items()}


def main(argv: list[str] | None = None) -> int:
    from index.models.reader import WEIGHTS_FILE
    from index.models.reader_head import HeadConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/piaf-v1.1-dev.json")
    parser.add_argument("--depth", type=int, default=6, help="sentences read per question (default 6)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds-only", action="store_true", help="print the 2-fold figures, write nothing")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--limit", type=int, default=None, help="the first N questions only (a smoke run)")
    args = parser.parse_args(argv)
    config = HeadConfig()
    started = time.time()
    items = collect(args.eval, args.depth)[: args.limit]
    print(f"{len(items)} answerable questions, {sum(len(i['texts']) for i in items)} sentences", flush=True)
    featurize(items, config)
    folds = {}
    for fold in (0, 1):
        print(f"fold {fold}: train on the other articles' questions", flush=True)
        head = train([i for i in items if i["fold"] != fold], config, epochs=args.epochs, seed=args.seed)
        folds[fold] = judge(head, [i for i in items if i["fold"] == fold])
    n = {f: sum(i["fold"] == f for i in items) for f in (0, 1)}
    table = {w: tuple(sum(folds[f][w][m] * n[f] for f in (0, 1)) / len(items) for m in (0, 1)) for w in WEIGHTS_GRID}
    print("\nrelevance weight | answer-hit@1 | short F1   (2 folds by article; weight 0 = extractor's sentence)")
    for w, (hit, f1) in table.items():
        print(f"{w:>16} | {hit:12.3f} | {f1:8.3f}")
    weight = max(WEIGHTS_GRID, key=lambda w: (round(table[w][0], 3), table[w][1]))
    print(f"chosen weight {weight}", flush=True)
    if args.folds_only:
        return 0
    print("final head: every question", flush=True)
    head = train(items, config, epochs=args.epochs, seed=args.seed)
    meta = {
        "config": config.to_dict(),
        "relevance_weight": weight,
        "depth": args.depth,
        "trained_on": {"file": args.eval.name, "sha256": hashlib.sha256(args.eval.read_bytes()).hexdigest(),
                       "questions": len(items)},
        "epochs": args.epochs,
        "seed": args.seed,
        "two_fold": {str(w): {"answer_hit@1": round(h, 4), "short_f1": round(f, 4)} for w, (h, f) in table.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().numpy().astype(np.float16) for k, v in head.state_dict().items()}
    np.savez_compressed(args.out, meta=np.array(json.dumps(meta)), **tensors)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
