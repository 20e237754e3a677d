"""Follow-up questions: « Et quand ? » is read in the light of the previous turn."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.french import analyze, content_words, fold, words
from qa.types import Answer

_LEADS = re.compile(r"^\s*(et|mais|alors|puis|ensuite|aussi)\b[\s,]*", re.IGNORECASE)
_OBJECT_PRONOUN = re.compile(r"\b(?:l['’]|les\s+|leur\s+|lui\s+)(?:a|ont|avait|avaient|aurait|auraient)\b", re.I)
_ANAPHORA = frozenset(
    """
    il elle ils elles lui leur cela ca celui celle ceux celles ce cet cette ces y en son sa
    ses autre autres
    """.split()
)


def is_follow_up(question: str) -> bool:
    """True for short or anaphoric questions that need the previous turn to make sense."""
    terms = analyze(question)
    if _LEADS.match(question) or len(terms) <= 1:
        return True
    if _OBJECT_PRONOUN.search(question):
        return True
    return len(terms) <= 3 and any(w in _ANAPHORA for w in words(question))


def key_words(question: str) -> list[str]:
    """The content words of a question, as written (no stop words, question words or pronouns)."""
    return [w for w in content_words(question) if fold(w) not in _ANAPHORA]


def rewrite(question: str, history: Sequence[Answer] | None) -> tuple[str, tuple[str, ...]]:
    """The question as understood, and the articles the previous answer cited (to favour)."""
    if not history:
        return question, ()
    previous = history[-1]
    if not is_follow_up(question):
        return question, ()
    context = previous.understood_question or previous.question
    own = {fold(w) for w in key_words(question)}
    carried = [w for w in key_words(context) if fold(w) not in own]
    docs = tuple(dict.fromkeys(c.passage.doc_id for c in previous.citations if c.supports_answer))
    if not carried:
        return question, docs
    body = question.strip().rstrip("?").rstrip()
    return f"{body} ({' '.join(carried)}) ?", docs
