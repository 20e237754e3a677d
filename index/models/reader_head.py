"""The reader's learned part (torch): one small transformer block over the encoder's token states.

The reader (:mod:`index.models.reader`) encodes ``query: <question> passage: <sentence>`` with the
embedding model itself, takes the hidden states of some of its layers (:attr:`HeadConfig.layers`),
and this head turns them into
- a start and an end logit for every token (where the answer lies in the sentence), and
- one relevance logit for the pair (does the sentence answer the question).
It is trained by ``tools/train_reader.py`` and exported to ONNX together with the encoder
layers it reads (:mod:`index.models.reader_export`). Written with plain operators (no
``nn.TransformerEncoderLayer``) so that training and export run the very same code.

Imported only to train or to export: answering needs ONNX Runtime alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class HeadConfig:
    """The head's shape and what it reads (stored with its weights)."""

    layers: tuple[int, ...] = (9,)  # hidden-state indices (0 = embeddings), side by side as input
    hidden: int = 384
    width: int = 384
    heads: int = 6
    feed_forward: int = 768
    max_tokens: int = 160

    def __post_init__(self) -> None:
        if not self.layers or min(self.layers) < 1:
            raise ValueError(f"HeadConfig.layers must name encoder layers (>= 1), got {self.layers}")
        if self.width % self.heads:
            raise ValueError(f"HeadConfig.width ({self.width}) must be a multiple of heads ({self.heads})")
        if self.max_tokens < 16:
            raise ValueError(f"HeadConfig.max_tokens must be >= 16, got {self.max_tokens}")

    def to_dict(self) -> dict:
        return {**asdict(self), "layers": list(self.layers)}

    @classmethod
    def from_dict(cls, data: dict) -> HeadConfig:
        return cls(**{**data, "layers": tuple(data["layers"])})


class _Block(nn.Module):
    """Pre-norm self-attention + feed-forward, padding masked out."""

    def __init__(self, width: int, heads: int, feed_forward: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, feed_forward)
        self.ff2 = nn.Linear(feed_forward, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + (1.0 - keep)[:, None, None, :] * -1e4
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.drop(self.out(y))
        return x + self.drop(self.ff2(self.drop(torch.relu(self.ff1(self.norm2(x))))))


class ReaderHead(nn.Module):
    """Token states of the chosen layers in; start logits, end logits and a relevance logit out."""

    def __init__(self, config: HeadConfig, *, dropout: float = 0.1) -> None:
        super().__init__()
        self.config = config
        self.proj = nn.Linear(config.hidden * len(config.layers), config.width)
        self.block = _Block(config.width, config.heads, config.feed_forward, dropout)
        self.span = nn.Linear(config.width, 2)
        self.relevance = nn.Linear(2 * config.width, 1)

    def forward(self, states: torch.Tensor, keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``states`` (batch, tokens, hidden·layers), ``keep`` (batch, tokens) 1.0 for real tokens."""
        h = self.block(self.proj(states), keep)
        span = self.span(h)
        mask = keep[..., None]
        mean = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        top = (h + (1.0 - mask) * -1e4).max(1).values
        return span[..., 0], span[..., 1], self.relevance(torch.cat([mean, top], 1))[:, 0]


def layer_states(hidden_states: tuple[torch.Tensor, ...], config: HeadConfig) -> torch.Tensor:
    """The head's input: the configured layers' hidden states side by side."""
    return torch.cat([hidden_states[i] for i in config.layers], -1)
