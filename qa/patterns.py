"""Regular expressions for dates, numbers and capitalised names in French text, shared by the short
answers (:mod:`qa.short`) and the reading analysis (:mod:`qa.reading`): one place, so both find the same spans.

>>> DATE.search("arrivé le 18 octobre 2023 à Pyongyang").group()
'18 octobre 2023'
>>> NUMBER.search("tirent 60.000 obus par jour").group()
'60.000 obus'
"""

from __future__ import annotations

import re

MONTHS = "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
DATE = re.compile(
    rf"\b(?:(?:1er|\d{{1,2}})\s+(?:{MONTHS})(?:\s+\d{{3,4}})?|(?:{MONTHS})\s+\d{{3,4}}"
    r"|(?:[IVXLC]+e|\d{1,2}e)\s+siècle|(?:en\s+)?\d{3,4}(?:\s*[-–]\s*\d{2,4})?|années\s+\d{2,4})\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"(?<![\w,.])(?:plus\s+de\s+|moins\s+de\s+|près\s+de\s+|environ\s+)?\d+(?:[\s\u00a0\u202f.,]\d+)*"
    r"(?:\s*(?:%|°C?|€|\$|km²?|m²?|kg|cm|mm|m|h|min|ans?|mois|jours?|heures?|millions?|milliards?|mille|"
    r"pour\s?cent|(?!(?:et|à|de|des|du|en|le|la|les|au|aux|sur|par|pour)\b)[a-zà-ÿ]{3,}(?:\s+d['’][a-zà-ÿ]+|\s+de\s+(?!(?:la|le|les)\b)(?-i:[a-zà-ÿ]+))?)(?![\wà-ÿ]))?",
    re.IGNORECASE,
)
WORDS_NUMBER = re.compile(
    r"\b(?:un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|"
    r"cinquante|soixante|cent|cents|mille)\b(?:[\s-]+(?:et\s+)?(?:un|une|deux|trois|quatre|cinq|six|sept|huit|"
    r"neuf|dix|vingt|cent|cents|mille))*\s+[a-zà-ÿ]{3,}",
    re.IGNORECASE,
)
UPPER = r"[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ]"
NAME = re.compile(
    rf"{UPPER}[\w’'-]*(?:(?:\s+(?:de|du|des|d['’]|von|van|der|la|le|di|da|del|ben|ibn|bin|et)\s*|\s+){UPPER}[\w’'-]*)*"
)
