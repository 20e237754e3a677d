"""The ONNX exports of an embedding model: fp32, int8 and mixed, made once per model directory.

The fp32 graph is exported from the model's local sentence-transformers directory with torch
(no hub), pooling included (mean or CLS, as the model's ``1_Pooling`` config says), and fused
by ONNX Runtime's transformer optimizer (one Attention, SkipLayerNorm, BiasGelu operator where
there were dozens; the same vectors as torch). ``int8`` is that graph after dynamic int8
quantization of all its matrix products (:func:`quantize`); ``mixed`` quantizes the attention
and feed-forward input products and keeps each layer's output products in fp32
(:func:`output_products`). Figures for each: bench/README.md.

The files live in ``<QA_HOME>/models/onnx/<model>-<hash>/``, each written atomically and
recorded with its size in the folder's ``export.json`` stamp (:func:`ensure_file`, which the
reader's export uses too); running them is :mod:`index.models.onnx_runtime`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from index import settings
from index.models.errors import OnnxExportError
from index.models.files import atomic_write, atomic_write_json, file_lock, read_json

EXPORT_FORMAT = 3  # 3: exported with eager attention, then fused by ONNX Runtime's transformer optimizer
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8_fused-rr.onnx"  # the name says the recipe (see quantize): a new recipe, a new file
MIXED_FILE = "model_int8_fused-rr_outputs-fp32.onnx"
FILES = {"fp32": FP32_FILE, "int8": INT8_FILE, "mixed": MIXED_FILE}  # precision -> file
PRECISIONS = tuple(FILES)
STAMP = "export.json"
OPSET = 17
# Architectures whose graph ONNX Runtime's transformer optimizer fuses as "bert".
_FUSABLE = ("bert", "roberta", "xlm-roberta", "camembert", "distilbert", "electra")


# --------------------------------------------------------------------------- model directory facts


def pooling_mode(model_dir: Path) -> str:
    """``"mean"`` or ``"cls"``, from the model's sentence-transformers modules; else :class:`OnnxExportError`."""
    modules = read_json(model_dir / "modules.json", [])
    pooling = next((m for m in modules if str(m.get("type", "")).endswith("Pooling")), None)
    if pooling is None:
        return "mean"  # sentence-transformers' default for a plain transformer directory
    config = read_json(model_dir / pooling.get("path", "") / "config.json", {})
    modes = [k for k, v in config.items() if k.startswith("pooling_mode_") and v]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    raise OnnxExportError(f"{model_dir}: pooling {modes} is not supported by the ONNX backends; use --backend torch")


def _unsupported_modules(model_dir: Path) -> list[str]:
    known = ("Transformer", "Pooling", "Normalize")
    modules = read_json(model_dir / "modules.json", [])
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


# --------------------------------------------------------------------------- files made once


def _stamp_ok(directory: Path, name: str) -> bool:
    stamp = read_json(directory / STAMP, {})
    size = (stamp.get("files") or {}).get(name)
    file = directory / name
    return stamp.get("format") == EXPORT_FORMAT and size is not None and file.is_file() and file.stat().st_size == size


def _write_stamped(directory: Path, name: str, make: Callable[[Path], None]) -> None:
    """``directory/name`` made by ``make(tmp)`` (atomically), then its size recorded in the stamp."""
    atomic_write(directory / name, make)
    stamp = read_json(directory / STAMP, {})
    if stamp.get("format") != EXPORT_FORMAT:
        stamp = {"format": EXPORT_FORMAT, "files": {}}
    stamp["files"][name] = (directory / name).stat().st_size
    atomic_write_json(directory / STAMP, stamp)


def ensure_file(directory: Path, name: str, make: Callable[[Path], None]) -> Path:
    """``directory/name``, made once by ``make(tmp)`` under the folder's lock; later calls check the stamp.

    ``make`` runs under the lock, so it may make the other files of the folder it reads first
    (:func:`_ensure_locked`).
    """
    if _stamp_ok(directory, name):
        return directory / name
    with file_lock(directory):
        if not _stamp_ok(directory, name):  # another process may have made it meanwhile
            directory.mkdir(parents=True, exist_ok=True)
            _write_stamped(directory, name, make)
    return directory / name


def _ensure_locked(directory: Path, name: str, make: Callable[[Path], None]) -> Path:
    """:func:`ensure_file` for a caller that holds the folder's lock already (a ``make`` of it)."""
    if not _stamp_ok(directory, name):
        _write_stamped(directory, name, make)
    return directory / name


def say(progress: bool, message: str) -> None:
    """``message`` on stderr when ``progress``: what is being made, once."""
    if progress:
        print(message, file=sys.stderr, flush=True)


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

    def export(out: Path) -> None:
        say(progress, f"Exporting {model_dir.name} to ONNX (once)…")
        export_fused(model_dir, out)

    if precision == "fp32":
        return ensure_file(target, FP32_FILE, export)

    def quantized(out: Path) -> None:
        fp32 = _ensure_locked(target, FP32_FILE, export)
        say(progress, f"Quantizing the ONNX model ({precision}, once)…")
        keep = output_products(fp32, model_dir) if precision == "mixed" else ()
        quantize(fp32, out, keep_fp32=keep)

    return ensure_file(target, FILES[precision], quantized)


def export_fused(model_dir: Path, out: Path, export: Callable[[Path], None] | None = None) -> None:
    """The fp32 export, fused where ONNX Runtime's optimizer knows the architecture (same numbers, faster).

    ``export(path)`` writes the unfused graph; by default the embedding model with its pooling.
    """
    raw = out.with_name(out.name + ".raw.onnx")
    try:
        (export or (lambda path: _export_fp32(model_dir, path)))(raw)
        if not _fuse(raw, out, model_dir):
            os.replace(raw, out)
    finally:
        with contextlib.suppress(OSError):
            raw.unlink()


def _export_fp32(model_dir: Path, out: Path) -> None:
    import torch

    mode = pooling_mode(model_dir)
    model = load_eager(model_dir)

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

    torch_to_onnx(Pooled(model), out, outputs={"embedding": {0: "batch"}})


def load_eager(model_dir: Path):
    """The model directory's transformer in fp32, with eager attention where the architecture has that option.

    Eager attention exports as plain MatMul/Softmax, the pattern ONNX Runtime fuses into Attention.
    """
    import torch
    from transformers import AutoModel

    try:
        return AutoModel.from_pretrained(
            str(model_dir), local_files_only=True, dtype=torch.float32, attn_implementation="eager"
        ).eval()
    except (TypeError, ValueError):  # an architecture without that option: its default attention
        return AutoModel.from_pretrained(str(model_dir), local_files_only=True, dtype=torch.float32).eval()


def torch_to_onnx(module, out: Path, *, outputs: dict[str, dict[int, str]]) -> None:
    """``module(input_ids, attention_mask)`` exported to ``out`` (opset :data:`OPSET`, dynamic batch and tokens).

    ``outputs``: each output's name and its dynamic axes.
    """
    import warnings

    import torch

    ids = torch.ones((2, 16), dtype=torch.long)
    inputs = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (ids, torch.ones_like(ids)),
            str(out),
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes={**inputs, **outputs},
            opset_version=OPSET,
            dynamo=False,
        )


def _fuse(source: Path, out: Path, model_dir: Path) -> bool:
    """ONNX Runtime's transformer fusions (Attention, SkipLayerNorm, BiasGelu…) of ``source`` into ``out``.

    False (``out`` not written) when the architecture is not one it knows or nothing fused.
    """
    config = read_json(model_dir / "config.json", {})
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


def output_products(source: Path, model_dir: Path) -> list[str]:
    """Names of the output products of each layer: MatMuls whose weight is ``intermediate × hidden``
    (feed-forward output) or ``hidden × hidden`` (attention output, once the attention is fused)."""
    import onnx

    config = read_json(model_dir / "config.json", {})
    wide, hidden = config.get("intermediate_size"), config.get("hidden_size")
    model = onnx.load(str(source), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    return [node.name for node in model.graph.node
            if node.op_type == "MatMul" and len(node.input) == 2
            and shapes.get(node.input[1]) in ((wide, hidden), (hidden, hidden))]


def quantize(source: Path, out: Path, *, keep_fp32: Sequence[str] = ()) -> None:
    """Dynamic int8 quantization of the weight matrix products, fused attention included.

    ``source`` is the fused fp32 export (one ``Attention`` operator per layer, which
    quantizes to ``QAttention``); every matrix product with constant weights, but the nodes
    named in ``keep_fp32``, then runs in int8: weights per output channel with 7-bit range
    (``reduce_range``), activations quantized on the fly, one scale per tensor. The 7-bit
    range keeps AVX2 CPUs (no VNNI) from saturating their 16-bit intermediate sums. Questions
    suffer more than passages (a dozen tokens: no averaging of the rounding over a long text),
    hence fp32 questions for int8 indexes. Keeping the output products in fp32 (``mixed``)
    spares the feed-forward output, which reads the GELU's outlier-heavy activations that one
    scale per tensor rounds worst, and keeps most of int8's speed-up for a question. Recall
    and latency of each: bench/README.md (``bench/recall.py``).
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


def clear_exports() -> None:
    """Remove every ONNX export (they are remade on next use)."""
    shutil.rmtree(settings.models_dir() / "onnx", ignore_errors=True)
