"""Cleaning and validating a reader's question before it reaches the index."""

from __future__ import annotations

import re
import unicodedata

MAX_QUESTION_CHARS = 1000
_SPACES = re.compile(r"\s+")


class QuestionError(ValueError):
    """A question that cannot be asked; the message says why, in French, for the reader."""


def clean_question(question: object, *, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """NFC, control characters removed, white space folded; :class:`QuestionError` if unusable."""
    if not isinstance(question, str):
        raise QuestionError(f"La question doit être un texte, pas {type(question).__name__}.")
    text = unicodedata.normalize("NFC", question)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise QuestionError("La question est vide : écrivez une question, par exemple « Qui a nié les livraisons ? ».")
    if len(text) > max_chars:
        raise QuestionError(
            f"La question est trop longue ({len(text)} caractères, {max_chars} au plus) : posez une question courte."
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("La question ne contient aucun mot.")
    return text
