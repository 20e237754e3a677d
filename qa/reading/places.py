"""What a place question asks of a place: the preposition it is governed by, and whether a name is a place at all.

« Vers quel port … ? » asks for a place after « vers / à / jusqu'à », « D'où … ? », « De quel pays … ? » and
« Par quel port … ? » for one after « de / depuis / par / via », « Où … ? », « Dans quelle ville … ? » for one
after a locative (« à », « en », « dans »…). A seat of power named for its government (« la Maison Blanche »,
« le Kremlin ») is an organisation, never the answer to « où ».

>>> sorted(place_prepositions("de")), place_prepositions(None) == LOCATIVE
(['de', 'depuis', 'par', 'via'], True)
>>> text = "…expédié par voie maritime de Najin vers Dunay"
>>> governing(text, text.index("Najin")), governing(text, text.index("Dunay"))
('de', 'vers')
"""

from __future__ import annotations

import re

from index.french import fold

LOCATIVE = frozenset(
    {"à", "au", "aux", "en", "dans", "sur", "sous", "chez", "vers", "près", "devant", "derrière", "entre"}
)
_SOURCE = frozenset({"de", "depuis", "par", "via"})
_GOAL = frozenset({"vers", "à", "au", "aux", "en", "jusqu", "jusque", "dans"})
_BY_QUESTION = {"de": _SOURCE, "depuis": _SOURCE, "par": _SOURCE, "vers": _GOAL, "jusqu": _GOAL}
# seats of power that name their government (folded): an organisation for « où »
SEATS = frozenset(
    """maison blanche|kremlin|elysee|matignon|pentagone|quai d'orsay|downing street|capitole|maison bleue
    |zhongnanhai|beauvau|bercy|foggy bottom""".replace("\n", "").split("|")
)
_BEFORE = re.compile(
    r"(?:^|[\s(«\"'’])(?P<prep>à|au|aux|en|dans|sur|sous|chez|vers|près\s+de|devant|derrière|entre|de|d|du|des"
    r"|depuis|par|via|jusqu['’]?\s*à|jusqu['’]au|jusqu['’]aux)"
    r"(?:\s+|['’]\s*)(?:(?:le|la|les|l['’])\s*)?(?:(?:port|ville|pays|région|capitale|province|cité|île)\s+"
    r"(?:de\s+|d['’]\s*|du\s+))?$",
    re.IGNORECASE,
)
_NORMAL = {"d": "de", "du": "de", "des": "de", "au": "à", "aux": "à"}


def place_prepositions(preposition: str | None) -> frozenset[str]:
    """The prepositions that may govern the answer of a place question whose question word has ``preposition``
    (« vers quel » → vers, à…; « de quel », « d'où », « par quel » → de, depuis, par, via; else locatives)."""
    return _BY_QUESTION.get(preposition or "", LOCATIVE)


def governing(text: str, start: int) -> str | None:
    """The preposition just before the name at ``start`` of ``text``, past an article and a place noun
    (« vers le port de Dunay » → vers), normalised (du, des, d' → de; au, aux → à; jusqu'à → jusqu), or None."""
    match = _BEFORE.search(text[max(0, start - 40) : start])
    if match is None:
        return None
    word = fold(match.group("prep").split()[0]).replace("’", "'")
    if word.startswith("jusqu"):
        return "jusqu"
    if word == "pres":
        return "près"
    word = {"a": "à", "derriere": "derrière"}.get(word, word)
    return _NORMAL.get(word, word)


def is_seat(name: str) -> bool:
    """A seat of power standing for its government (« Maison Blanche », « le Kremlin »)."""
    words = fold(name).replace("’", "'").lower()
    words = re.sub(r"^(?:la|le|l')\s*", "", words)
    return words in SEATS


def normal_preposition(word: str | None) -> str | None:
    """A preposition as :func:`governing` writes it (« d' » → de, « aux » → à, « jusqu'à » → jusqu)."""
    if not word:
        return None
    w = word.lower().replace("’", "'").rstrip("'")
    if w.startswith("jusqu"):
        return "jusqu"
    return _NORMAL.get(w, w)
