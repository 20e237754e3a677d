"""The reader's ONNX graph: the default model's first layers and the trained head, exported with torch.

Exported in fp32 and fused like the encoder (:func:`index.models.onnx_export.export_fused`);
for ``int8`` and ``mixed``, its matrix products are quantized like ``onnx-int8``
(:func:`index.models.onnx_export.quantize`), the head's always kept in fp32 (``mixed`` keeps
each layer's output products too). How far each moves the head's logits, and what it saves:
bench/README.md. Called by :func:`index.models.reader.ensure_reader_export`, which makes the
file once.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from index.models.onnx_export import export_fused, load_eager, output_products, quantize, torch_to_onnx


def export_reader(model_dir: Path, config: dict, tensors: dict[str, np.ndarray], out: Path, precision: str) -> None:
    """The reader's graph into ``out``: head ``config`` and ``tensors`` (from its weights file) at ``precision``."""
    fused = out.with_name(out.name + ".fused.onnx")
    try:
        export_fused(model_dir, fused, lambda raw: _export(model_dir, config, tensors, raw))
        if precision == "fp32":
            fused.replace(out)
            return
        import onnx

        model = onnx.load(str(fused), load_external_data=False)
        keep = [node.name for node in model.graph.node if node.name.startswith("/head/")]
        if precision == "mixed":
            keep += output_products(fused, model_dir)
        quantize(fused, out, keep_fp32=keep)
    finally:
        with contextlib.suppress(OSError):
            fused.unlink()


def _export(model_dir: Path, config: dict, tensors: dict[str, np.ndarray], out: Path) -> None:
    import torch

    from index.models.reader_head import HeadConfig, ReaderHead, layer_states

    head_config = HeadConfig.from_dict(config)
    head = ReaderHead(head_config)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    encoder = load_eager(model_dir)
    encoder.encoder.layer = encoder.encoder.layer[: max(head_config.layers)]  # the layers the head reads, no more

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder, head.eval()

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            ).hidden_states
            return self.head(layer_states(states, head_config), attention_mask.to(torch.float32))

    tokens = {0: "batch", 1: "tokens"}
    torch_to_onnx(Graph(), out, outputs={"start": tokens, "end": tokens, "relevance": {0: "batch"}})
