"""Running an ONNX export (:mod:`index.models.onnx_export`): ONNX Runtime and ``tokenizers``, no torch.

:class:`OnnxModel` behaves as the part of a sentence-transformers model that the encoder uses
(``encode``, ``prompts``, ``max_seq_length``, the dimension). Tokenization follows
sentence-transformers (prompt prepended, truncated to ``max_seq_length``). Texts are tokenized
up front (in Rust, in parallel) and then run one per call, with no padding at all: a few texts
one after the other on every core, many (a build) one per core side by side (``$QA_THREADS``
workers), longest first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from index.models.files import read_json
from index.models.onnx_export import ensure_export

THREADS_ENV = "QA_THREADS"
BULK_MIN = 16  # texts: from this many on, they run side by side on parallel workers


def cpu_count() -> int:
    """``$QA_THREADS``, else the CPUs this process may use."""
    env = os.environ.get(THREADS_ENV, "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, not {env!r}")
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def make_session(file: Path, threads: int):
    """An ONNX Runtime CPU session over ``file`` with ``threads`` intra-op threads, all graph optimizations."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if threads > 1:  # no busy-waiting between operators: the cores are often shared
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> dict[str, np.ndarray]:
    """A graph's inputs for token id rows: ``input_ids`` padded with ``pad_id`` to the longest, ``attention_mask``."""
    width = max(len(r) for r in rows)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


class OnnxModel:
    """A sentence-transformers-like model over ONNX Runtime: ``encode``, ``prompts``, dimension."""

    def __init__(
        self,
        model_dir: str | os.PathLike[str],
        *,
        precision: str = "fp32",
        progress: bool = False,
        workers: int | None = None,
    ) -> None:
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers must be a positive integer or None, not {workers!r}")
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.precision = precision
        self.file = ensure_export(self.model_dir, precision=precision, progress=progress)
        st_config = read_json(self.model_dir / "config_sentence_transformers.json", {})
        self.prompts: dict[str, str] = dict(st_config.get("prompts") or {})
        config = read_json(self.model_dir / "config.json", {})
        bert_config = read_json(self.model_dir / "sentence_bert_config.json", {})
        offset = 2 if config.get("model_type") in ("roberta", "xlm-roberta", "camembert") else 0  # padding_idx + 1
        limit = int(config.get("max_position_embeddings") or 512) - offset
        self.max_seq_length: int = min(int(bert_config.get("max_seq_length") or limit), limit)
        self.do_lower_case = bool(bert_config.get("do_lower_case"))
        self._dimension = int(config.get("hidden_size") or 0)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_seq_length)
        tok_config = read_json(self.model_dir / "tokenizer_config.json", {})
        pad = tok_config.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_id = self.tokenizer.token_to_id(pad) if pad else None
        if self.pad_id is None:
            self.pad_id = 0
        self.workers = workers if workers is not None else cpu_count()
        self._sessions: dict[int, Any] = {}  # intra-op threads -> session, made on first use
        self._lock = threading.Lock()

    def _session(self, threads: int):
        """The ONNX Runtime session (one per model and thread count), made on first use."""
        session = self._sessions.get(threads)
        if session is None:
            with self._lock:
                session = self._sessions.get(threads)
                if session is None:
                    session = self._sessions[threads] = make_session(self.file, threads)
        return session

    def get_sentence_embedding_dimension(self) -> int:
        return self._dimension

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text (special tokens added, truncated), as sentence-transformers makes them."""
        items = list(texts)  # not stripped: sentence-transformers 6 keeps surrounding spaces too
        if self.do_lower_case:
            items = [t.lower() for t in items]
        return [e.ids for e in self.tokenizer.encode_batch(items)]

    def encode(
        self,
        texts: Sequence[str],
        *,
        prompt_name: str | None = None,
        **_: Any,
    ) -> np.ndarray:
        """``(len(texts), dimension)`` float32 pooled embeddings (not normalized).

        Every text runs alone: no padding, and a text's vector depends on that text only
        (with dynamic int8 quantization, texts batched together would share activation
        scales and shift each other's vectors). A few texts (a question and its variants)
        run one after the other, each on every core; many (a build) run :attr:`workers` at
        a time side by side, one thread each, longest first.
        """
        prompt = self.prompts.get(prompt_name, "") if prompt_name else ""
        ids = self.tokenize([prompt + t for t in texts])
        out = np.zeros((len(ids), self._dimension), dtype=np.float32)
        if not ids:
            return out
        if len(ids) < BULK_MIN or self.workers == 1:
            # a single-threaded session already made for a build serves these too (one copy in memory)
            session = self._sessions.get(1) or self._session(self.workers)
            for i, row in enumerate(ids):
                out[i] = self._run(session, [row])[0]
            return out
        session = self._session(1)  # one thread per text, workers side by side: no sync inside operators
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for i, vector in zip(order, pool.map(lambda i: self._run(session, [ids[i]])[0], order)):
                out[i] = vector
        return out

    def _run(self, session, rows: list[list[int]]) -> np.ndarray:
        (embedding,) = session.run(None, pad_batch(rows, self.pad_id))
        return embedding
