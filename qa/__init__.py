"""Extractive question answering over French news articles, with exact citations.

>>> from qa import Assistant
>>> answer = Assistant.load().ask("Qui a nié les livraisons ?")
>>> print(answer.text)

Names are imported lazily: ``import qa`` loads neither torch, nor gradio, nor a model. The answer
settings (``k`` and its limit, the retrieval modes) are in :mod:`qa.settings`. The user interfaces
(the command line, the web UI) are in :mod:`ui`, which this package never imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Answer": "qa.types",
    "AnswerSpan": "qa.types",
    "Citation": "qa.types",
    "Passage": "qa.types",
    "Assistant": "qa.assistant",
    "Retriever": "qa.retriever",
    "QuestionError": "qa.question",
    "IndexLoadError": "index",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
