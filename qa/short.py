"""Short answers: for qui / quand / où / combien / quel questions, the span inside the answer
sentence that answers (a name, a date, a number, a place), with exact article offsets.

Candidates are found by patterns (dates, numbers with their unit, runs of capitalised
words with their particles, « à/en/au + Place »); the question's type says which kinds fit,
candidates repeating the question's own words are dropped, and the rest are weighed
(:data:`PICK_WEIGHTS`: the kind asked for, the question's words around the candidate and how
near, « par » before a name…, fitted by ``tools/fit_short.py``).

« Quel … ? » questions get a short answer only when their head noun asks for a name (« quel
club », « quel nom ») or a number (« quel score »): the others ask for a description (« quel
statut », « quel type de famille ») that no pattern finds, and on PIAF dev the pattern's pick was
wrong there more often than not (figures in bench/README.md, "Why the defaults").

>>> s = short_answer("Quand Lavrov est-il arrivé ?", "Lavrov est arrivé le 18 octobre 2023 à Pyongyang.", 0, 49)
>>> s.text
'18 octobre 2023'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.french import analyze, fold
from qa.patterns import DATE as _DATE
from qa.patterns import NAME as _NAME
from qa.patterns import NUMBER as _NUMBER
from qa.patterns import WORDS_NUMBER as _WORDS_NUMBER

KINDS = ("date", "number", "place", "person", "thing")

_PLACE = re.compile(rf"\b(?:à|en|au|aux|dans|vers|depuis|près\s+de|de)\s+(?:la\s+|le\s+|l['’])?({_NAME.pattern})")


# head nouns of « quel <nom> » questions answered by a name, or by a number
_NAMED_HEADS = frozenset(
    """
    nom surnom pseudonyme equipe club groupe organisation entreprise societe parti journal marque
    joueur personne personnage auteur artiste ecrivain compositeur peintre architecte roi reine
    president dirigeant ministre chef entraineur film ouvrage oeuvre livre album titre divinite dieu
    ville pays region departement capitale commune ile fleuve riviere lac montagne continent quartier
    port aeroport gare stade musee universite ecole
    """.split()
)
_COUNTED_HEADS = frozenset("score classement population nombre age montant".split())
_HEAD = re.compile(
    r"\b(?:quel|quelle|quels|quelles)\s+(?:est\s+|sont\s+|etait\s+|etaient\s+)?(?:le\s+|la\s+|les\s+|l['’])?"
    r"(?:autre\s+|premier\s+|premiere\s+|principal\s+|principale\s+)?([a-z]+(?:-[a-z]+)?)"
)


@dataclass(frozen=True)
class ShortAnswer:
    """A short span: ``text == article_text[start:end]``."""

    text: str
    start: int
    end: int
    kind: str


def question_kind(question: str) -> str | None:
    """What a question asks for: ``date``, ``number``, ``place``, ``person``, ``thing`` or None (why, how…)."""
    q = fold(question)
    if re.search(
        r"\bquand\b|quelle (?:annee|date|epoque|periode)|quel (?:jour|mois|siecle)|en quelle|a quelle date", q
    ):
        return "date"
    if re.search(r"\bcombien\b|quel (?:nombre|age|montant|pourcentage)|quelle (?:somme|taille|superficie|distance)", q):
        return "number"
    if re.search(
        r"(?:^|\W)(?:ou|d'ou|d’ou)\b(?! est-ce)|quel (?:pays|lieu|endroit|continent)|quelle (?:ville|region)", q
    ):
        return "place"
    if re.search(r"(?:^|\W)(?:qui|de qui|par qui|a qui|avec qui)\b", q):
        return "person"
    if re.search(r"\b(?:quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles)\b", q):
        return "thing"
    return None


def thing_target(question: str) -> str | None:
    """What a « quel <nom> » question's head noun asks for: ``"name"``, ``"number"``, or None (a description)."""
    match = _HEAD.search(fold(question))
    if match is None:
        return None
    head = match.group(1)
    head = head[:-1] if head.endswith("s") and head[:-1] in _NAMED_HEADS | _COUNTED_HEADS else head
    if head in _NAMED_HEADS:
        return "name"
    return "number" if head in _COUNTED_HEADS else None


def _candidates(text: str, kind: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []

    def add(pattern: re.Pattern[str], label: str, group: int = 0) -> None:
        for m in pattern.finditer(text):
            a, b = m.span(group)
            if b > a:
                found.append((a, b, label))

    if kind in ("date", "thing"):
        add(_DATE, "date")
    if kind in ("number", "thing"):
        add(_NUMBER, "number")
        add(_WORDS_NUMBER, "number")
    if kind in ("place", "thing"):
        add(_PLACE, "place", 1)
    if kind in ("person", "place", "thing"):
        add(_NAME, "name")
    return found


@dataclass(frozen=True)
class SpanCandidate:
    """A pattern's match inside the sentence (sentence offsets) and what :data:`PICK_WEIGHTS` weighs."""

    start: int
    end: int
    label: str
    features: dict[str, float]


def span_candidates(question: str, sentence: str) -> list[SpanCandidate]:
    """The spans of ``sentence`` that could answer ``question`` (none for why / how questions, or
    « quel » questions asking for a description), with their features."""
    kind = question_kind(question)
    if kind is None:
        return []
    labels = None  # every label fits
    if kind == "thing":
        target = thing_target(question)
        if target is None:
            return []
        labels = ("name", "place") if target == "name" else ("number",)
    asked = set(analyze(question, keep_question_words=False))
    asked_words = {fold(w) for w in re.findall(r"\w+", question)}
    matched = [
        m.start() for m in re.finditer(r"\w+", sentence) if (t := analyze(m.group())) and t[0] in asked
    ]
    preferred = {"date": "date", "number": "number", "place": "place", "person": "name"}.get(kind)
    out, seen = [], set()
    for a, b, label in _candidates(sentence, kind):
        if labels is not None and label not in labels:
            continue
        piece = sentence[a:b].strip(" ,;:.")
        if not piece:
            continue
        a = a + sentence[a:b].index(piece)
        b = a + len(piece)
        terms = analyze(piece)
        if terms and all(t in asked for t in terms):
            continue  # the question's own words are not its answer
        if label == "name" and a == 0 and len(piece.split()) == 1 and fold(piece) in asked_words | _FUNCTION:
            continue
        if label == "name" and fold(piece) in _FUNCTION:
            continue
        if (a, b) in seen:
            continue
        seen.add((a, b))
        out.append(SpanCandidate(a, b, label, _features(sentence, a, b, label, preferred, terms, asked, matched, kind)))
    return out


def _features(
    sentence: str, a: int, b: int, label: str, preferred: str | None, terms, asked, matched, kind: str
) -> dict[str, float]:
    before = sentence[:a]
    nearest = min(matched, key=lambda m: abs(a - m), default=None)
    distance = abs(a - nearest) if nearest is not None else len(sentence)
    words = sentence[a:b].split()
    person = kind == "person"
    agent = bool(_AGENT.search(before))
    names = sum(w[:1].isupper() for w in words) >= 2
    around = set(analyze(sentence[max(0, a - _WINDOW) : a] + " " + sentence[b : b + _WINDOW]))
    return {
        "preferred": float(label == preferred),
        "window_share": len(around & asked) / len(asked) if asked else 0.0,
        "adjacent": float(nearest is not None and distance <= 20),
        "no_new_term": float(not terms),
        "distance": math.log1p(distance),
        "after_match": float(nearest is not None and a > nearest),
        "words": math.log(len(words)),
        "capitalised_words": float(names),
        "after_agent": float(agent),
        "after_place_word": float(bool(_PLACE_WORD.search(before))),
        "person_after_agent": float(person and agent),
        "person_capitalised_words": float(person and names),
    }


_WINDOW = 50  # characters each side of a candidate where the question's words count
_AGENT = re.compile(r"\bpar\s+(?:l['’]|le\s+|la\s+|les\s+)?$", re.IGNORECASE)
_PLACE_WORD = re.compile(r"\b(?:à|en|au|aux|dans|vers)\s+(?:la\s+|le\s+|l['’])?$", re.IGNORECASE)

# fitted by `python tools/fit_short.py` on PIAF dev (listwise: the candidate closest to a reference);
# its out-of-fold figures against the former rule are in bench/README.md, "Why the defaults"
PICK_WEIGHTS: dict[str, float] = {
    "preferred": 0.743, "window_share": 1.246, "adjacent": 0.292, "no_new_term": -0.643, "distance": -0.323,
    "after_match": 0.36, "words": 0.832, "capitalised_words": -0.247, "after_agent": 0.245,
    "after_place_word": 0.085, "person_after_agent": 0.36, "person_capitalised_words": 0.611,
}


def pick_score(features: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """How likely a candidate is the short answer (higher is better)."""
    weights = PICK_WEIGHTS if weights is None else weights
    return sum(weights.get(name, 0.0) * value for name, value in features.items())


def short_answer(question: str, article_text: str, start: int, end: int) -> ShortAnswer | None:
    """The short answer to ``question`` inside ``article_text[start:end]``, or None."""
    candidates = span_candidates(question, article_text[start:end])
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (pick_score(c.features), -c.start))
    a, b = start + best.start, start + best.end
    return ShortAnswer(text=article_text[a:b], start=a, end=b, kind=best.label)


_FUNCTION = frozenset(
    """
    le la les un une des du de il elle ils elles on en au aux ce cette ces son sa ses leur leurs
    mais et ou donc or ni car selon lors apres avant depuis pendant dans pour par sur sous avec
    lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui
    """.split()
)
