"""The user interfaces over :mod:`qa`: the web UI and the ``qa`` command line.

- :mod:`ui.cli`: the command line (``qa index …``, ``qa ask``, ``qa serve``, ``qa eval``);
- :mod:`ui.terminal`, :mod:`ui.eval_report`: its rich rendering (answers, summaries, manifests, eval reports);
- :mod:`ui.eval_command`: the body of ``qa eval``;
- :mod:`ui.startup`: ``qa serve`` (``serve``): builds a missing index, loads the assistant, serves;
- :mod:`ui.app`: the Gradio app (``build_app``, ``launch``), its events in :mod:`ui.handlers`;
- :mod:`ui.chat`: the conversation state behind the chat, without Gradio;
- :mod:`ui.render`: the chat's HTML (escaped text, highlights at exact offsets, sources panel), pure functions;
- :mod:`ui.settings`: the interfaces' own settings (host, port, the slider's range).

The library (:mod:`qa`, :mod:`index`) never imports this package. Names are imported lazily:
``import ui`` does not import gradio.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"build_app": "ui.app", "launch": "ui.app", "serve": "ui.startup"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
