"""Whether answering reads: answer policy.

Two switches. The **reader** (on unless refused: ``Assistant(reader=False)``, ``--no-reader``,
``QA_READER=0``) analyses the first sentences with the question (:mod:`qa.reading`: the answer's type,
who does what), re-ranks them, gives the typed short answer and the confidence of :mod:`qa.ranking`;
without it the extractor answers alone (the fast path). The reader's **head** (off unless asked for:
``Assistant(reader_head=True)``, ``--reader-head``, ``QA_READER_HEAD=1``) is a learned head over the
first layers of the embedding model (:mod:`index.models.reader`, model code) that reads each sentence with
the question; it costs time per sentence read (bench/README.md).
"""

from __future__ import annotations

from index.models.reader import HEAD_ENV
from index.models.resolve import env_flag

READER_ENV = "QA_READER"


def reader_requested(reader: bool | None = None) -> bool:
    """``reader``, else ``$QA_READER`` (1 / on / true / yes, 0 / off / false / no), else on."""
    return env_flag(READER_ENV, default=True) if reader is None else bool(reader)


def head_requested(head: bool | None = None) -> bool:
    """``head``, else ``$QA_READER_HEAD`` (1 / on / true / yes, 0 / off / false / no), else off."""
    return env_flag(HEAD_ENV, default=False) if head is None else bool(head)
