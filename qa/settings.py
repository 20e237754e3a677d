"""The library's answer settings, in one place: how many passages, and how they are retrieved.

The command line (:mod:`ui.cli`) and the web UI (:mod:`ui.app`) take their choices, defaults and
limits from here, :mod:`qa.fusion` (fusion methods and lexical weights) and :mod:`index` (chunking,
model backends); they never re-type them.
"""

from __future__ import annotations

DEFAULT_K = 5  # passages retrieved and cited for a question
MAX_K = 100  # the most passages a question may ask for (``k``), everywhere
RETRIEVALS = ("dense", "lexical", "hybrid")  # by meaning (FAISS), by words (BM25), or both fused
DEFAULT_RETRIEVAL = "hybrid"  # measures best (``qa eval``, see the README)


def check_k(k: int) -> int:
    """``k`` when it is between 1 and :data:`MAX_K`; a ValueError says the limits otherwise."""
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
    return k
