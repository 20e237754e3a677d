"""Why a model cannot be used here: one error per kind of model, all of them ``ValueError``."""

from __future__ import annotations


class ModelUnavailableError(ValueError):
    """The requested model cannot be used here (for instance a hub id while offline)."""


class OnnxExportError(ValueError):
    """The model cannot be exported to ONNX here (not a local directory, unsupported pooling…)."""


class ReaderUnavailableError(ValueError):
    """The reader cannot run here (no weights file, a model it was not trained for…)."""
