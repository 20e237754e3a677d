"""The errors of an index: what every layer above catches to tell the user to rebuild."""

from __future__ import annotations

REBUILD_HINT = "rebuild it with `qa index build`"


class IndexError_(RuntimeError):
    """Base class for index problems (named with a trailing underscore to not shadow IndexError)."""


class IndexLoadError(IndexError_):
    """The index directory is missing, partial, corrupt or built for another model."""
