"""ONNX Runtime backends for the encoder: the same model, exported locally, fp32 or int8.

``onnx`` runs the model exported from its sentence-transformers directory and fused by
ONNX Runtime's transformer optimizer (one Attention, SkipLayerNorm, BiasGelu operator
where there were dozens; same numbers as torch, cosine ≥ 0.9999); ``onnx-int8`` runs that
graph after dynamic int8 quantization of all its matrix products (weights int8 per
channel, activations quantized on the fly; VNNI kernels where the CPU has them, AVX2
elsewhere); ``onnx-mixed`` quantizes the attention and feed-forward input products and keeps
the output products of both (attention output, feed-forward output after the GELU) in fp32:
questions 20 % faster than fp32 for a little recall (see :func:`_quantize`). The export is made once per model
from the local directory (no hub), with torch, into ``<QA_HOME>/models/onnx/<model>-<hash>/``
(written atomically, stamped); afterwards
encoding needs only ``onnxruntime`` and ``tokenizers``: no torch import.

The graph holds the transformer and the pooling (mean or CLS, as the model's
``1_Pooling`` config says); tokenization follows sentence-transformers (prompt
prepended, truncated to ``max_seq_length``). Texts are tokenized up
front (in Rust, in parallel) and then run one per call, with no padding at all: a few
texts one after the other on every core, many (a build) one per core side by side
(``$QA_THREADS`` workers), longest first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from index import settings

EXPORT_FORMAT = 3  # 3: exported with eager attention, then fused by ONNX Runtime's transformer optimizer
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8_fused-rr.onnx"  # the name says the recipe (see _quantize): a new recipe, a new file
MIXED_FILE = "model_int8_fused-rr_outputs-fp32.onnx"
FILES = {"fp32": FP32_FILE, "int8": INT8_FILE, "mixed": MIXED_FILE}  # precision -> file
PRECISIONS = tuple(FILES)
STAMP = "export.json"
OPSET = 17
THREADS_ENV = "QA_THREADS"
BULK_MIN = 16  # texts: from this many on, they run side by side on parallel workers


def _cpu_count() -> int:
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


class OnnxExportError(ValueError):
    """The model cannot be exported to ONNX here (not a local directory, unsupported pooling…)."""


# --------------------------------------------------------------------------- model directory facts


def _read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def pooling_mode(model_dir: Path) -> str:
    """``"mean"`` or ``"cls"``, from the model's sentence-transformers modules; else :class:`OnnxExportError`."""
    modules = _read_json(model_dir / "modules.json", [])
    pooling = next((m for m in modules if str(m.get("type", "")).endswith("Pooling")), None)
    if pooling is None:
        return "mean"  # sentence-transformers' default for a plain transformer directory
    config = _read_json(model_dir / pooling.get("path", "") / "config.json", {})
    modes = [k for k, v in config.items() if k.startswith("pooling_mode_") and v]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    raise OnnxExportError(f"{model_dir}: pooling {modes} is not supported by the ONNX backends; use --backend torch")


def _unsupported_modules(model_dir: Path) -> list[str]:
    known = ("Transformer", "Pooling", "Normalize")
    modules = _read_json(model_dir / "modules.json", [])
    return [m.get("type", "?") for m in modules if not str(m.get("type", "")).endswith(known)]


def _weights_fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256(str(model_dir.resolve()).encode())
    for name in ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json", "modules.json"):
        file = model_dir / name
        if file.is_file():
            st = file.stat()
            digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def export_dir(model_dir: str | os.PathLike[str]) -> Path:
    """Where the ONNX files of a local model directory are (or will be) kept."""
    model_dir = Path(model_dir)
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_dir.name)[:60] or "model"
    return settings.models_dir() / "onnx" / f"{slug}-{_weights_fingerprint(model_dir)}"


def _stamp_ok(directory: Path, name: str) -> bool:
    stamp = _read_json(directory / STAMP, {})
    size = (stamp.get("files") or {}).get(name)
    file = directory / name
    return stamp.get("format") == EXPORT_FORMAT and size is not None and file.is_file() and file.stat().st_size == size


@contextlib.contextmanager
def _lock(path: Path):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- export


def ensure_export(model_dir: str | os.PathLike[str], *, precision: str = "fp32", progress: bool = False) -> Path:
    """The ONNX file for ``model_dir`` at ``precision`` (:data:`PRECISIONS`), made once; later calls check the stamp."""
    if precision not in FILES:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise OnnxExportError(
            f"the ONNX backends need a local model directory, not {str(model_dir)!r}; use --backend torch"
        )
    bad = _unsupported_modules(model_dir)
    if bad:
        raise OnnxExportError(f"{model_dir}: modules {bad} are not supported by the ONNX backends; use --backend torch")
    pooling_mode(model_dir)
    target = export_dir(model_dir)
    name = FILES[precision]
    if _stamp_ok(target, name):
        return target / name
    with _lock(target.parent / f".{target.name}.lock"):
        if _stamp_ok(target, name):
            return target / name
        target.mkdir(parents=True, exist_ok=True)
        if not _stamp_ok(target, FP32_FILE):
            _say(progress, f"Exporting {model_dir.name} to ONNX (once)…")
            _atomic(target, FP32_FILE, lambda out: _export_fused(model_dir, out))
        if precision != "fp32":
            _say(progress, f"Quantizing the ONNX model ({precision}, once)…")
            keep = _output_products(target / FP32_FILE, model_dir) if precision == "mixed" else ()
            _atomic(target, name, lambda out: _quantize(target / FP32_FILE, out, keep_fp32=keep))
    return target / name


def _say(progress: bool, message: str) -> None:
    if progress:
        import sys

        print(message, file=sys.stderr, flush=True)


def _atomic(directory: Path, name: str, write) -> None:
    """Write ``directory/name`` through a temporary file, then record its size in the stamp."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is readable by all
        os.replace(tmp, directory / name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    stamp = _read_json(directory / STAMP, {})
    if stamp.get("format") != EXPORT_FORMAT:
        stamp = {"format": EXPORT_FORMAT, "files": {}}
    stamp["files"][name] = (directory / name).stat().st_size
    stamp_tmp = directory / f".{STAMP}.tmp"
    stamp_tmp.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    os.replace(stamp_tmp, directory / STAMP)


def _export_fused(model_dir: Path, out: Path) -> None:
    """The fp32 export, fused where ONNX Runtime's optimizer knows the architecture (same numbers, faster)."""
    raw = out.with_name(out.name + ".raw.onnx")
    try:
        _export_fp32(model_dir, raw)
        if not _fuse(raw, out, model_dir):
            os.replace(raw, out)
    finally:
        with contextlib.suppress(OSError):
            raw.unlink()


def _export_fp32(model_dir: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    mode = pooling_mode(model_dir)
    try:  # eager attention exports as plain MatMul/Softmax, the pattern ONNX Runtime fuses into Attention
        model = AutoModel.from_pretrained(
            str(model_dir), local_files_only=True, dtype=torch.float32, attn_implementation="eager"
        ).eval()
    except (TypeError, ValueError):  # an architecture without that option: its default attention
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, dtype=torch.float32).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if mode == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(model),
            (ids, torch.ones_like(ids)),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


# Architectures whose graph ONNX Runtime's transformer optimizer fuses as "bert".
_FUSABLE = ("bert", "roberta", "xlm-roberta", "camembert", "distilbert", "electra")


def _fuse(source: Path, out: Path, model_dir: Path) -> bool:
    """ONNX Runtime's transformer fusions (Attention, SkipLayerNorm, BiasGelu…) of ``source`` into ``out``.

    False (``out`` not written) when the architecture is not one it knows or nothing fused.
    """
    config = _read_json(model_dir / "config.json", {})
    heads, hidden = config.get("num_attention_heads"), config.get("hidden_size")
    if config.get("model_type") not in _FUSABLE or not heads or not hidden:
        return False
    from onnxruntime.transformers.optimizer import optimize_model

    try:
        model = optimize_model(str(source), model_type="bert", num_heads=int(heads), hidden_size=int(hidden),
                               opt_level=0)
    except Exception:  # noqa: BLE001 - an unknown graph: quantize it unfused
        return False
    if not model.get_fused_operator_statistics().get("Attention"):
        return False
    model.save_model_to_file(str(out))
    return True


def _output_products(source: Path, model_dir: Path) -> list[str]:
    """Names of the output products of each layer: MatMuls whose weight is ``intermediate × hidden``
    (feed-forward output) or ``hidden × hidden`` (attention output, once the attention is fused)."""
    import onnx

    config = _read_json(model_dir / "config.json", {})
    wide, hidden = config.get("intermediate_size"), config.get("hidden_size")
    model = onnx.load(str(source), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    return [node.name for node in model.graph.node
            if node.op_type == "MatMul" and len(node.input) == 2
            and shapes.get(node.input[1]) in ((wide, hidden), (hidden, hidden))]


def _quantize(source: Path, out: Path, *, keep_fp32: Sequence[str] = ()) -> None:
    """Dynamic int8 quantization of the weight matrix products, fused attention included.

    ``source`` is the fused fp32 export (one ``Attention`` operator per layer, which
    quantizes to ``QAttention``); every matrix product with constant weights, but the nodes
    named in ``keep_fp32``, then runs in int8: weights per output channel with 7-bit range
    (``reduce_range``), activations quantized on the fly, one scale per tensor. The 7-bit
    range keeps AVX2 CPUs (no VNNI) from saturating their 16-bit intermediate sums: without
    it, PIAF dev recall@5 dropped by 0.006 there; with it, −0.0006 against torch fp32
    (``bench/recall.py``). Questions suffer more than passages (a dozen tokens: no averaging
    of the rounding over a long text): int8 questions cost 0.0108 (0.8473 against 0.8581).
    Keeping the output products in fp32 (``mixed``: the feed-forward output reads the GELU's
    outlier-heavy activations, which one scale per tensor rounds worst; alone it brings the
    loss to 0.0049; with the attention output to 0.0027) keeps 60 % of int8's speed-up for a
    question: 11.8 ms against 15.1 (fp32) and 9.2 (int8) on an AVX2 core pair
    (``bench/recall.py``, bench/README.md). ``qa eval --retrieval dense`` (chunks) sees a
    0.0052 loss against fp32 questions, so int8 indexes keep fp32 questions by default.
    """
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantizer warns about pre-processing on the root logger
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,
        op_types_to_quantize=["MatMul", "Attention"],
        nodes_to_exclude=list(keep_fp32),
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )


# --------------------------------------------------------------------------- runtime


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
        st_config = _read_json(self.model_dir / "config_sentence_transformers.json", {})
        self.prompts: dict[str, str] = dict(st_config.get("prompts") or {})
        config = _read_json(self.model_dir / "config.json", {})
        bert_config = _read_json(self.model_dir / "sentence_bert_config.json", {})
        offset = 2 if config.get("model_type") in ("roberta", "xlm-roberta", "camembert") else 0  # padding_idx + 1
        limit = int(config.get("max_position_embeddings") or 512) - offset
        self.max_seq_length: int = min(int(bert_config.get("max_seq_length") or limit), limit)
        self.do_lower_case = bool(bert_config.get("do_lower_case"))
        self._dimension = int(config.get("hidden_size") or 0)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_seq_length)
        tok_config = _read_json(self.model_dir / "tokenizer_config.json", {})
        pad = tok_config.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_id = self.tokenizer.token_to_id(pad) if pad else None
        if self.pad_id is None:
            self.pad_id = 0
        self.workers = workers if workers is not None else _cpu_count()
        self._sessions: dict[int, Any] = {}  # intra-op threads -> session, made on first use
        self._lock = threading.Lock()

    def _session(self, threads: int):
        """The ONNX Runtime session (one per model and thread count), made on first use."""
        session = self._sessions.get(threads)
        if session is None:
            import onnxruntime as ort

            with self._lock:
                session = self._sessions.get(threads)
                if session is None:
                    options = ort.SessionOptions()
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.intra_op_num_threads = threads
                    options.inter_op_num_threads = 1
                    options.log_severity_level = 3
                    if threads > 1:  # no busy-waiting between operators: the cores are often shared
                        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = ort.InferenceSession(str(self.file), options, providers=["CPUExecutionProvider"])
                    self._sessions[threads] = session
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
        scales and shift each other's vectors by up to ~0.5% cosine). A few texts (a
        question and its variants) run one after the other, each on every core; many (a
        build) run :attr:`workers` at a time side by side, one thread each, longest first.
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
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        (embedding,) = session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return embedding


def clear_exports() -> None:
    """Remove every ONNX export (they are remade on next use)."""
    shutil.rmtree(settings.models_dir() / "onnx", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m index.onnx_backend [--model NAME_OR_PATH] [--quiet]``: export (and quantize) now."""
    import argparse

    from index.model import resolve_model

    parser = argparse.ArgumentParser(prog="python -m index.onnx_backend", description=main.__doc__)
    parser.add_argument("--model", default=None, help="model directory (default: the bundled default model)")
    parser.add_argument("--backend", default=None, help="backend to export for (default: $QA_BACKEND or the default)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    model = resolve_model(args.model or "default", progress=not args.quiet)
    from index.encoder import ONNX_PRECISION, QUERY_BACKEND, resolve_backend

    backend = resolve_backend(args.backend)
    if backend == "torch":
        return 0

    for name in dict.fromkeys([backend, QUERY_BACKEND.get(backend, backend)]):  # its questions' model too
        path = ensure_export(model, precision=ONNX_PRECISION[name], progress=not args.quiet)
        if not args.quiet:
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
