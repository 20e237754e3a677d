"""Where generated files live: the prepared model and the built index.

Everything the project generates goes into one folder, ``QA_HOME`` (default
``.qa`` in the current directory), kept out of git. Each path can also be set
on its own by flag or environment variable; these helpers give the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "QA_HOME"
INDEX_ENV = "QA_INDEX"
MODEL_ENV = "QA_MODEL"
CORPUS_ENV = "QA_CORPUS"


def qa_home() -> Path:
    """The folder for generated files: ``$QA_HOME`` or ``./.qa``."""
    return Path(os.environ.get(HOME_ENV) or ".qa")


def default_index_dir() -> Path:
    """``$QA_INDEX`` or ``<QA_HOME>/index``."""
    env = os.environ.get(INDEX_ENV)
    return Path(env) if env else qa_home() / "index"


def default_corpus_dir() -> Path:
    """``$QA_CORPUS`` or ``./corpus``."""
    return Path(os.environ.get(CORPUS_ENV) or "corpus")


def models_dir() -> Path:
    """``<QA_HOME>/models``: where the default model is prepared."""
    return qa_home() / "models"
