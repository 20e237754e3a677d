"""French text handling: sentence boundaries with offsets, and the lexical analyzer.

The analyzer is used for lexical matching only (BM25, overlap scores): it folds
case and accents, strips elisions written with either apostrophe (l’, d’, qu’,
jusqu’, lorsqu’…), drops stop words and stems with Snowball's French stemmer.
Nothing it produces is ever shown to a reader.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "'’ʼ‘´`"
_ELISION = re.compile(r"^(?:qu|lorsqu|puisqu|jusqu|quoiqu|presqu|quelqu|[cdjlmnst])['’ʼ‘´`]", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’ʼ‘´`\-]\w+)*", re.UNICODE)

STOP_WORDS = frozenset(
    """
    a à ai aie aient aies ait as au aux avec avaient avais avait avez aviez avions avoir avons ayant ce
    ceci cela celle celles celui ces cet cette ceux chez ci comme comment d dans de des du donc dont
    elle elles en entre es est et etaient etait etant ete etre eu eue eues eurent eus eut eux fait faut
    fut furent j je l la le les leur leurs lui m ma mais me meme memes mes moi mon n ne ni nos notre
    nous on ont ou par pas peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui s sa
    sans se sera seront ses si son sont sous sur t ta te tes toi ton tous tout toute toutes tres tu un
    une unes uns vers votre vos vous y ca cet-ce quoi ou-est est-ce il ils aussi alors avant apres deja
    encore ainsi selon afin lors
    """.split()
)
# question words carry the question's type, not its topic: they never count as matches
QUESTION_WORDS = frozenset(
    """
    qui quoi quand ou comment combien pourquoi quel quelle quels quelles lequel laquelle
    """.split()
)

# Abbreviations that end with a period without ending a sentence (lower-cased, no period).
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr pr me mgr st ste cf etc env p pp vol no nº art av apr ch chap fig ibid
    ex gén gen col cdt lt sgt capt adj prof vs jr sr inc ltd co janv janvier févr fevr fév fev avr juil
    sept oct nov déc dec
    """.split()
)
_SENT_END = re.compile(r"(?:[.!?…]+|\.\.\.)[\"”»’)\]\u00a0\u202f ]*(?=\s|$)")
_OPENERS = "«“\"‘'([—–-¿¡"


def fold(text: str) -> str:
    """Lower case and strip accents (for comparison only)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("french")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return fold(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Word tokens with elisions removed, folded; hyphenated names stay whole."""
    out = []
    for match in _WORD.finditer(unicodedata.normalize("NFC", text)):
        token = _ELISION.sub("", match.group())
        for part in re.split(r"['’ʼ‘´`]", token):
            if part:
                out.append(fold(part))
    return out


def analyze(text: str, *, keep_question_words: bool = False) -> list[str]:
    """Lexical terms of ``text``: folded words minus stop words, stemmed."""
    terms = []
    for word in words(text):
        if word in QUESTION_WORDS:
            if not keep_question_words:
                continue
        elif word in STOP_WORDS:
            continue
        if len(word) == 1 and not word.isdigit():
            continue
        terms.append(_stem(word))
    return terms


def _is_abbreviation(text: str, period: int) -> bool:
    """True when the period at ``period`` ends an abbreviation or an initial (« M. », « J. »)."""
    start = period
    while start > 0 and (text[start - 1].isalpha()):
        start -= 1
    token = text[start:period]
    if not token:
        return False
    if len(token) == 1 and token.isupper():
        return True  # an initial: « J. Kirby »
    return token.lower() in ABBREVIATIONS and (start == 0 or not text[start - 1].isalnum())


def sentence_spans(text: str, *, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets inside ``text[start:end]``, whitespace trimmed.

    Line breaks always end a sentence (news paragraphs, headlines without a
    period). Inside a line, a sentence ends at ``. ! ? …`` (with any closing quote
    or bracket) followed by a space and an upper-case letter, digit or opening
    quote, except after abbreviations such as « M. » or an initial.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []

    def push(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))

    line_start = start
    for line in re.finditer(r"[^\n]*(?:\n|$)", text[start:end]):
        if not line.group():
            continue
        a, b = start + line.start(), start + line.end()
        cursor = a
        for m in _SENT_END.finditer(text, a, b):
            stop = m.end()
            nxt = stop
            while nxt < b and text[nxt].isspace():
                nxt += 1
            if nxt < b:
                ch = text[nxt]
                if not (ch.isupper() or ch.isdigit() or ch in _OPENERS):
                    continue
            first_period = m.start()
            if (
                text[first_period] == "."
                and m.group().rstrip('"”»’)]\u00a0\u202f ') == "."
                and _is_abbreviation(text, first_period)
            ):
                continue
            push(cursor, stop)
            cursor = stop
        push(cursor, b)
        line_start = b
    del line_start
    return spans


def content_words(text: str) -> list[str]:
    """The content words of ``text`` as written (no stop words, question words or elided articles), once each."""
    out, seen = [], set()
    for match in re.finditer(r"\w+(?:-\w+)*", unicodedata.normalize("NFC", text)):
        word = _ELISION.sub("", match.group())
        folded = fold(word)
        if len(folded) < 2 or folded in STOP_WORDS or folded in QUESTION_WORDS or folded in seen:
            continue
        seen.add(folded)
        out.append(word)
    return out
