"""Answer metrics with SQuAD's normalisation adapted to French.

Text is compared, never shown, after: lower case, accents folded, punctuation dropped, the
articles le, la, les, l’, un, une, des, du, de, d’ dropped, white space collapsed.

>>> normalize_answer("L’Académie française, en 1635 !")
'academie francaise en 1635'
>>> round(f1_score("le 18 octobre 2023", ["18 octobre"]), 2)
0.8
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from index.french import fold

ARTICLES = frozenset({"le", "la", "les", "l", "un", "une", "des", "du", "de", "d"})
_APOSTROPHES = re.compile(r"['’ʼ‘´`]")


def answer_tokens(text: str) -> list[str]:
    """The normalised tokens of ``text`` (see the module's docstring)."""
    text = _APOSTROPHES.sub(" ", fold(unicodedata.normalize("NFC", text)))
    text = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return [t for t in text.split() if t not in ARTICLES]


def normalize_answer(text: str) -> str:
    return " ".join(answer_tokens(text))


def exact_match(prediction: str, references: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised reference."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(r) for r in references))


def f1_score(prediction: str, references: Sequence[str]) -> float:
    """Token F1 against the best reference (0.0 without references)."""
    pred = answer_tokens(prediction)
    best = 0.0
    for ref in references:
        gold = answer_tokens(ref)
        if not pred or not gold:
            best = max(best, float(pred == gold))
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(text: str, references: Sequence[str]) -> bool:
    """True when a normalised reference occurs in the normalised ``text`` as whole tokens."""
    padded = f" {normalize_answer(text)} "
    return any(ref and f" {ref} " in padded for ref in (normalize_answer(r) for r in references))


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0
