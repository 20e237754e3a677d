"""The web UI: a French chat over :class:`qa.Assistant`, with highlighted answers and cited passages.

- :mod:`ui.render`: the HTML (escaped text, highlights at exact offsets, sources panel), pure functions;
- :mod:`ui.chat`: the conversation state behind the chat, without Gradio;
- :mod:`ui.app`: the Gradio app (``build_app``, ``launch``, ``serve`` for ``qa serve``).

Names are imported lazily: ``import ui`` does not import gradio.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"build_app": "ui.app", "launch": "ui.app", "serve": "ui.app"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
