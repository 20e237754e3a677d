"""Follow-up questions: « Et quand ? » is read in the light of the previous turn.

A follow-up carries the key words of the previous question (« Et quand ? » after « Qui a nié les
livraisons ? » is asked as « Et quand (nié livraisons …) ? ») and favours the articles that the
previous answer cited. When it has no content word of its own (« Et quand ? », « Pourquoi ? »,
« Selon qui ? »), it is about that answer: the answer's key words are carried too, so that the
sentence that answered (which often holds the when and the why) is found again. « Qui d’autre
l’a démenti ? » asks for another answer: the previous one is then left out (:func:`asks_for_another`).
"""

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
_ANOTHER = frozenset({"autre", "autres", "encore"})
MAX_CARRIED = 10  # words carried over from the previous turn


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
    if not own and previous.span is not None and not asks_for_another(question):
        seen = {fold(w) for w in carried}
        for word in key_words(previous.span.text):
            if len(carried) >= MAX_CARRIED:
                break
            if fold(word) not in seen:
                carried.append(word)
                seen.add(fold(word))
    docs = tuple(dict.fromkeys(c.passage.doc_id for c in previous.citations if c.supports_answer))
    if not carried:
        return question, docs
    body = question.strip().rstrip("?").rstrip()
    return f"{body} ({' '.join(carried)}) ?", docs


def asks_for_another(question: str) -> bool:
    """« Qui d’autre… ? », « Quels autres… ? », « Qui encore… ? »: the previous answer is not wanted again."""
    return any(fold(w) in _ANOTHER for w in words(question))
