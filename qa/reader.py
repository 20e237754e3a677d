"""Whether answering reads with the reader: answer policy, off unless asked for.

The reader itself (the model reading the question and a sentence together, its spans, its
export) is model code: :mod:`index.models.reader`. It sharpens answers and finds short ones
but costs time per sentence read (bench/README.md), so the assistant uses it only when asked:
``Assistant(..., reader=True)``, ``--reader``, or ``QA_READER=1``.
"""

from __future__ import annotations

from index.models.reader import READER_ENV
from index.models.resolve import env_flag


def reader_requested(*, default: bool = False) -> bool:
    """``$QA_READER``: 1 / on / true / yes asks for the reader, 0 / off / false / no refuses it;
    unset or anything else: ``default``."""
    return env_flag(READER_ENV, default=default)
