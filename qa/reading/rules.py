"""Entities found by patterns (dates, numbers with their unit, durations), photo captions and credit lines,
and the small word lists the analysis reads by: plain regular expressions, no model.

The date and number patterns are :mod:`qa.patterns`' (shared with :mod:`qa.short`); this module only adds
what reading needs on top: a bare number is a year only when it looks like one, weekdays and « en juillet »
are dates, « un/une » alone is an article, a number counting days or years is a duration.

>>> [(e.text, e.type) for e in rule_entities("Lavrov est arrivé mercredi soir pour une visite de deux jours.")]
[('mercredi soir', 'DATE'), ('deux jours', 'DURATION')]
>>> [(e.text, e.unit) for e in rule_entities("Les forces russes tirent 60.000 obus par jour.")]
[('60.000 obus', 'obus')]
"""

from __future__ import annotations

import re

from index.french import analyze, fold
from qa.patterns import DATE as _DATE
from qa.patterns import MONTHS
from qa.patterns import NUMBER as _NUMBER
from qa.patterns import WORDS_NUMBER as _WORDS_NUMBER
from qa.reading.types import DATE, DURATION, NUMBER, Entity

SUBJECT_PRONOUNS = frozenset({"il", "elle", "ils", "elles"})
# verbs that attribute words to their subject (« a déclaré X », « X a dit »)
SPEECH_VERBS = frozenset(
    """
    dire déclarer affirmer ajouter estimer indiquer annoncer expliquer souligner préciser noter assurer
    rapporter confier lancer répondre écrire insister rappeler commenter avertir prévenir promettre
    révéler signaler admettre reconnaître démentir nier dénoncer accuser juger considérer penser
    """.split()
)
# verbs conjugated with « être » in the active voice: « est arrivé » is not a passive
ETRE_VERBS = frozenset(
    """
    aller venir arriver partir entrer sortir naître mourir rester tomber devenir retourner monter
    descendre passer revenir rentrer parvenir intervenir survenir décéder apparaître
    """.split()
)
_TIME_UNITS = r"ans?|années?|mois|semaines?|jours?|journées?|heures?|minutes?|secondes?|siècles?|décennies?|nuits?"
_NUMBER_WORDS = (
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente|"
    r"quarante|cinquante|soixante|cent|cents|mille|quelques|plusieurs"
)
_DURATION = re.compile(
    rf"\b(?:(?:plus\s+de\s+|moins\s+de\s+|près\s+de\s+|environ\s+)?(?:\d+(?:[.,]\d+)?|(?:{_NUMBER_WORDS})"
    rf"(?:[\s-]+(?:et\s+)?(?:{_NUMBER_WORDS}))*|une?)\s+(?:{_TIME_UNITS})(?:\s+et\s+demie?)?)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    rf"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)(?:\s+(?:matin|soir|après-midi|midi))?"
    rf"(?:\s+(?:1er|\d{{1,2}})\s+(?:{MONTHS})(?:\s+\d{{4}})?)?\b",
    re.IGNORECASE,
)
_MONTH_ALONE = re.compile(rf"\b(?:en|début|fin|mi-|courant|depuis)\s*(?:{MONTHS})\b(?!\s+\d)", re.IGNORECASE)
_RELATIVE_DAY = re.compile(r"\b(?:hier|aujourd['’]hui|avant-hier|après-demain|demain)\b", re.IGNORECASE)
_BARE_YEAR = re.compile(r"^(?:en\s+)?(\d{3,4})(?:\s*[-–]\s*\d{2,4})?$", re.IGNORECASE)
_INVARIABLE = frozenset(
    "dans sous plus puis depuis alors après lors pas mais sans vers très dès jamais toujours".split()
)
_MULTIPLIER = re.compile(r"(?:millions?|milliards?|mille|centaines?|dizaines?|milliers?)$", re.IGNORECASE)
_OF_UNIT = re.compile(r"\s+(?:de\s+|d['’])([a-zà-ÿ]{3,})", re.IGNORECASE)
_ARTICLE_COUNT = re.compile(
    r"^une?\s+(?!(?:millions?|milliards?|centaine|dizaine|douzaine|vingtaine|trentaine|quarantaine|cinquantaine"
    r"|soixantaine|millier)\b)",
    re.IGNORECASE,
)
_UNIT_WORD = re.compile(r"[a-zà-ÿ]{2,}", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:plus\s+de|moins\s+de|près\s+de|environ)\s+", re.IGNORECASE)

_CAPTION = re.compile(
    r"^\W*(?:sur\s+(?:cette|ces|la|une)\s+(?:photo|image|capture|vidéo)|photo\b|photos\b|illustration\b|crédits?\b|©)"
    r"|\((?:photos?|crédits?|archives?)\b[^)]*\)|\b(?:photo|crédit)\s*:|©"
    r"|\((?:AFP|AP|Reuters|EPA|ATS|Belga|ANP|DPA|KCNA|Yonhap|Xinhua|Getty Images)\)\s*$"
    r"|\bvia\s+(?:AP|AFP|Reuters|Getty)\b|/\s*(?:AFP|AP|Reuters|EPA|Getty Images|KCNA)\b|\bGetty\s+Images\b",
    re.IGNORECASE,
)


def is_caption(text: str) -> bool:
    """A photo caption or a credit line: « Sur cette photo… », « PHOTO AGENCE KCNA PAR REUTERS », « (AFP) »,
    « … via AP », or a short line mostly in capitals."""
    if _CAPTION.search(text):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(text.split()) <= 12 and len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def unit_key(word: str | None) -> str | None:
    """A unit noun as compared (its stem): « missiles », « missile » → the same key."""
    if not word:
        return None
    terms = analyze(word)
    return terms[0] if terms else fold(word)


def _looks_like_year(text: str, following: str) -> bool:
    match = _BARE_YEAR.match(text.strip())
    if match is None:
        return True  # a real date: « 18 octobre 2023 », « XIXe siècle », « années 80 »
    value = int(match.group(1))
    if not (1000 <= value <= 2100 or (len(match.group(1)) == 3 and text.lower().startswith("en"))):
        return False
    nxt = re.match(r"\s*([a-zà-ÿ]+)", following)
    if nxt is None:
        return True
    word = nxt.group(1)
    return word.islower() is False or word in _INVARIABLE or not word.endswith(("s", "x"))


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and (a <= out[-1][1] or not text[out[-1][1] : a].strip()):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    piece = text[a:b]
    stripped = piece.strip(" ,;:.\u00a0\u202f")
    a += piece.index(stripped) if stripped else 0
    return a, a + len(stripped)


def _dates(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _DATE.finditer(text):
        if _looks_like_year(m.group(), text[m.end() :]):
            spans.append(m.span())
    for pattern in (_WEEKDAY, _MONTH_ALONE, _RELATIVE_DAY):
        spans.extend(m.span() for m in pattern.finditer(text))
    return [s for s in (_trim(text, a, b) for a, b in _merge(spans, text)) if s[1] > s[0]]


def _unit(piece: str) -> str | None:
    """The noun a number counts: « plus de 1 000 conteneurs de matériel » → « conteneurs »,
    « 2,5 millions de dollars » → « dollars »."""
    if re.search(r"%|\bpour\s?cent\b", piece, re.IGNORECASE):
        return "pourcentage"
    rest = _PREFIX.sub("", piece)
    words = _UNIT_WORD.findall(re.sub(r"^[\d\s\u00a0\u202f.,]+", "", rest))
    words = [w for w in words if not re.fullmatch(rf"(?:{_NUMBER_WORDS}|et|une?)", w, re.IGNORECASE)]
    while words and (_MULTIPLIER.match(words[0]) or words[0].lower() in ("de", "d")):
        words = words[1:]
    return words[0] if words else None


def rule_entities(text: str) -> list[Entity]:
    """The dates, numbers (with their unit) and durations of ``text``, in order, never overlapping."""
    dates = _dates(text)
    durations = [_trim(text, *m.span()) for m in _DURATION.finditer(text)]
    durations = [d for d in durations if not any(a < d[1] and d[0] < b for a, b in dates)]
    taken = dates + durations
    numbers: list[tuple[int, int]] = []
    for pattern in (_NUMBER, _WORDS_NUMBER):
        for m in pattern.finditer(text):
            a, b = _trim(text, *m.span())
            if b <= a or _ARTICLE_COUNT.match(text[a:b]):
                continue
            if _MULTIPLIER.search(text[a:b]) and (of := _OF_UNIT.match(text, b)):
                b = of.end()  # « 2,5 millions de dollars »
            if any(x < b and a < y for x, y in taken + numbers):
                continue
            numbers.append((a, b))
    out = [Entity(text[a:b], a, b, DATE) for a, b in dates]
    out += [Entity(text[a:b], a, b, DURATION, unit=_unit(text[a:b])) for a, b in durations]
    out += [Entity(text[a:b], a, b, NUMBER, unit=_unit(text[a:b])) for a, b in numbers]
    return sorted(out, key=lambda e: e.start)
