"""Corpus loading, chunking, embedding and the FAISS store.

Names are imported lazily so that ``import index`` stays cheap (no torch, no faiss).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Article": "index.article",
    "CorpusError": "index.article",
    "load_corpus": "index.article",
    "Chunk": "index.chunking",
    "Chunker": "index.chunking",
    "ChunkingSettings": "index.chunking",
    "Encoder": "index.models.encoder",
    "Store": "index.store",
    "IndexLoadError": "index.errors",
    "IndexError_": "index.errors",
    "Manifest": "index.manifest",
    "build_index": "index.writer",
    "BuildSummary": "index.writer",
    "UpdateSummary": "index.writer",
    "add_articles": "index.writer",
    "remove_articles": "index.writer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")
