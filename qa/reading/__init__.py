"""Reading questions and sentences: what a question asks for, who does what in a sentence, and the short answer
of the expected type (or none, the sign that a sentence does not answer).

>>> from qa.reading import analyze_question, analyze_sentences, typed_answer
>>> q = analyze_question("Qui a remercié Pyongyang pour sa reconnaissance de l’annexion ?")
>>> before = "“Nous apprécions votre soutien”, a dit M. Lavrov."
>>> thanks = "Il a notamment remercié Pyongyang pour sa reconnaissance de l’annexion."
>>> [s] = analyze_sentences([thanks], previous=[before])
>>> typed_answer(q, s).text
'Lavrov'

spaCy (``fr_core_news_md``, :mod:`qa.reading.nlp`) is imported on the first analysis, never by ``import qa``
or ``import qa.reading``. The API: :func:`analyze_question`, :func:`analyze_sentences`, :func:`typed_answer`,
:func:`reading_features` (:data:`FEATURES` documents each), the records in :mod:`qa.reading.types`, and
:func:`expected_type` (rules only, no model).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "analyze_question": "qa.reading.question",
    "analyze_sentences": "qa.reading.sentence",
    "typed_answer": "qa.reading.answer",
    "candidates": "qa.reading.answer",
    "reading_features": "qa.reading.features",
    "FEATURES": "qa.reading.features",
    "expected_type": "qa.reading.qtype",
    "wh_phrase": "qa.reading.qtype",
    "Entity": "qa.reading.types",
    "Argument": "qa.reading.types",
    "Verb": "qa.reading.types",
    "QuestionAnalysis": "qa.reading.types",
    "SentenceAnalysis": "qa.reading.types",
    "TypedAnswer": "qa.reading.types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'qa.reading' has no attribute {name!r}")
