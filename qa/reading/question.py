"""Reading a question: the type of answer it expects, its focus verb, the slot the answer fills and the slots it
names itself, its own entities and the words a sentence must match.

The type comes from :mod:`qa.reading.qtype` (rules on the string). The rest reads spaCy's tokens (parts of
speech, entities) with rules on the word order, because a pipeline trained on statements parses questions
poorly: « Qui Lavrov a-t-il rencontré ? » inverts the subject (« Lavrov … -t-il »), so the answer is the
object; « Qui a remercié Pyongyang ? » has the verb right after « qui », so the answer is the subject;
« Par qui X a-t-il été accueilli ? » asks for the agent of a passive, the subject in the active voice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from index.french import STOP_WORDS, analyze, fold
from qa.patterns import NAME
from qa.reading import nlp as _nlp
from qa.reading.qtype import WhPhrase, wh_phrase
from qa.reading.rules import ETRE_VERBS, rule_entities
from qa.reading.types import ATTRIBUTE, MISC, OBJECT, OBLIQUE, SPACY_TYPES, SUBJECT, Entity, QuestionAnalysis

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_A = "['’ʼ‘´`]"
_INVERSION = re.compile(
    rf"(?<![\w-])(?P<verb>[^\W\d_]+)(?:-t-|-t{_A}|\s+t-|\s+t{_A}|-)(?P<clitic>il|elle|ils|elles|on)\b", re.IGNORECASE
)
_AUXILIARIES = frozenset(
    """
    a ont avait avaient aura auront aurait auraient eut eurent ait est sont etait etaient sera seront serait
    seraient fut furent soit va vont allait allaient doit doivent devait devaient devrait devraient peut
    peuvent pouvait pouvaient pourrait pourraient veut veulent voulait voulaient faut fallait vient viennent
    """.split()
)
_COPULA = r"(?:est|sont|était|étaient|fut|furent|sera|seront|serait|seraient)"
_ETRE_FORMS = frozenset("est sont etait etaient sera seront serait seraient fut furent soit ete etre".split())
_MODALS = frozenset({"vouloir", "pouvoir", "devoir", "aller", "falloir", "faire", "sembler", "venir"})
_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
_MAX_QUESTIONS = 4096
_CACHE: _nlp.LRU[tuple[str, str], QuestionAnalysis] = _nlp.LRU(_MAX_QUESTIONS)


def _clean(question: object) -> str:
    if not isinstance(question, str):
        raise ValueError(f"a question is a string, not {type(question).__name__}")
    text = " ".join(unicodedata.normalize("NFC", question).split())
    if not text:
        raise ValueError("the question is empty")
    return text


def analyze_question(question: str, *, model: str | None = None) -> QuestionAnalysis:
    """Read ``question`` (spaCy is loaded on the first call): see :class:`QuestionAnalysis`."""
    text = _clean(question)
    name = model or _nlp.model_name()
    cached = _CACHE.get((name, text))
    if cached is None:
        cached = _read(text, _nlp.parse([text], name)[0], wh_phrase(text), name)
        _CACHE.put((name, text), cached)
    return cached


def _read(text: str, doc: Doc, phrase: WhPhrase | None, name: str) -> QuestionAnalysis:
    phrase = _with_adjectives(doc, text, phrase)
    after = phrase.end if phrase else 0
    focus_token, inversion = _focus(doc, text, after, name)
    focus = _verb_lemma(focus_token, inversion, name)
    passive = focus_token is not None and _passive(text, after, focus_token, focus)
    asked, preposition, subject, obj = _slots(text, phrase, focus_token, inversion, passive)
    unit = None
    if phrase and phrase.unit:
        unit_token = next((t for t in doc if t.idx >= phrase.start and t.text == phrase.unit), None)
        unit = _nlp.lemma(unit_token, "NOUN", name) if unit_token is not None else phrase.unit.lower()
    lemmas = []
    for token in doc:
        if phrase and phrase.start <= token.idx < phrase.end and token.text != (phrase.unit or phrase.head):
            continue
        if token.pos_ in _CONTENT_POS and fold(token.text) not in STOP_WORDS and token.is_alpha:
            pos = token.pos_ if token.pos_ in ("VERB", "NOUN", "ADJ") else None
            word = token.text if token.pos_ == "PROPN" else _nlp.lemma(token, pos, name) if pos else token.lower_
            if word not in lemmas:
                lemmas.append(word)
    return QuestionAnalysis(
        text=text,
        expected=phrase.expected if phrase else None,
        wh=phrase.wh if phrase else None,
        head=phrase.head if phrase else None,
        unit=unit,
        focus=focus,
        asked=asked,
        preposition=preposition,
        passive=passive,
        subject=subject,
        object=obj,
        entities=tuple(_entities(doc, text, phrase)),
        lemmas=tuple(lemmas),
        terms=frozenset(analyze(text)),
    )


def _with_adjectives(doc: Doc, text: str, phrase: WhPhrase | None) -> WhPhrase | None:
    """« Quel dirigeant asiatique »: the adjectives after a « quel » or « combien de » noun belong to the phrase."""
    if phrase is None or not (phrase.head or phrase.unit):
        return phrase
    end = phrase.end
    for token in doc:
        if token.idx < end:
            continue
        if token.idx - end > 1 or token.pos_ != "ADJ" or fold(token.text) in _AUXILIARIES:
            break
        end = token.idx + len(token)
    return replace(phrase, end=end, text=text[phrase.start : end]) if end != phrase.end else phrase


def _verb_lemma(token: Token | None, inversion: re.Match[str] | None, name: str) -> str | None:
    if token is None:
        return None
    if inversion is not None and token.idx == inversion.start("verb") and len(token) != len(inversion.group("verb")):
        return _nlp.lemma_of_word(inversion.group("verb"), "VERB", name)  # « tire-t-elle » is one token
    return _nlp.lemma(token, "VERB", name)


def _focus(doc: Doc, text: str, after: int, name: str) -> tuple[Token | None, re.Match[str] | None]:
    """The question's main verb (its token) and the inversion (« a-t-il ») when there is one."""
    inversion = _INVERSION.search(text, after)
    tokens = [t for t in doc if t.idx >= after]
    if inversion is not None:
        verb = next((t for t in tokens if t.idx == inversion.start("verb")), None)
        if verb is not None and fold(verb.text) not in _AUXILIARIES:
            return _modal_infinitive(verb, tokens, name), inversion
        later = [t for t in tokens if t.idx >= inversion.end() and not t.is_punct and t.pos_ != "ADV"]
        later = [t for t in later if fold(t.text) not in _ETRE_FORMS]
        if later and later[0].is_alpha and fold(later[0].text) not in STOP_WORDS:
            return _modal_infinitive(later[0], tokens, name), inversion  # the participle, whatever its tag
        return None, inversion
    verbs = [t for t in tokens if t.pos_ == "VERB"]
    if not verbs:
        return None, None
    root = next((t for t in verbs if t.dep_ == "ROOT"), verbs[0])
    return _modal_infinitive(min((root, verbs[0]), key=lambda t: t.i), tokens, name), None


def _modal_infinitive(verb: Token, tokens: list[Token], name: str) -> Token:
    """« veut obtenir » → obtenir: a modal's infinitive is the focus."""
    if _nlp.lemma(verb, "VERB", name) in _MODALS:
        following = [t for t in tokens if t.i > verb.i and t.pos_ not in ("ADV", "PRON") and not t.text.startswith("-")]
        if following and following[0].pos_ == "VERB" and re.search(r"(?:er|ir|re|oir)$", following[0].lower_):
            return following[0]  # « veut obtenir », not « est allé après avoir quitté »
    return verb


def _passive(text: str, after: int, verb: Token, lemma: str | None) -> bool:
    """« a été accueilli », « sont-ils soutenus »: a form of être before a participle not conjugated with être."""
    if lemma in ETRE_VERBS or not re.search(r"(?:é|ée|és|ées|i|ie|is|ies|u|ue|us|ues|t|te|ts|tes)$", verb.lower_):
        return False
    between = [fold(w) for w in re.findall(r"[^\W\d_]+", text[after : verb.idx])]
    return any(w in _ETRE_FORMS for w in between) and not any(w in ("se", "s") for w in between)


def _np_text(text: str, start: int, end: int) -> str | None:
    """The noun phrase in ``text[start:end]``, auxiliaries and clitics around it left out."""
    words = list(re.finditer(r"[^\s'’]+['’]?", text[start:end]))
    keep = [w for w in words if fold(w.group().strip(",;:?!.")) not in _AUXILIARIES | _ETRE_FORMS | _CLITICS]
    if not keep:
        return None
    piece = text[start + keep[0].start() : start + keep[-1].end()].strip(" ,;:?!.-")
    return piece or None


_CLITICS = frozenset(
    """ne n' n’ se s' s’ y en -t-il -t-elle -il -elle leur lui le la les l' l’ me m' m’ te t' t’ nous vous""".split()
)


def _slots(
    text: str, phrase: WhPhrase | None, verb: Token | None, inversion: re.Match[str] | None, passive: bool
) -> tuple[str | None, str | None, str | None, str | None]:
    """The slot asked and the slots named, in the active voice: (asked, preposition, subject, object)."""
    after = phrase.end if phrase else 0
    before_verb = inversion.start("verb") if inversion else (verb.idx if verb is not None else after)
    named = _np_text(text, after, before_verb) if before_verb > after else None  # « Qui Lavrov a-t-il … »
    subject = named or _subject_after(verb, text)
    obj = _named_object(verb, text)
    if passive:  # the active voice: the surface subject undergoes, « par X » acts
        subject, obj = _agent(verb, text), subject
    if (
        phrase is None
        or phrase.wh in ("où", "quand", "pourquoi", "comment")
        or phrase.expected is None
        and (phrase.wh in ("combien", "quel"))
    ):
        return None, None, subject, obj
    if phrase.preposition and not (phrase.preposition == "par" and passive):
        return OBLIQUE, phrase.preposition, subject, obj
    if phrase.preposition == "par":  # « Par qui X a-t-il été accueilli ? »: the agent
        return SUBJECT, None, None, obj
    if phrase.subject_asked is not None:
        surface_subject = phrase.subject_asked
    elif phrase.wh == "que":
        surface_subject = False  # « Que veut obtenir Pyongyang ? »
    elif inversion is not None or named:
        surface_subject = False  # « Qui Lavrov a-t-il rencontré ? », « Qui Lavrov a rencontré ? »
    elif verb is None:  # « Qui est Laura ? » asks what she is, « Qui est le président ? » for a name
        named_right_after = re.match(rf"\s*{_COPULA}\s+{NAME.pattern}", text[phrase.end :])
        return (ATTRIBUTE if phrase.wh == "qui" and named_right_after else None), None, None, None
    else:
        surface_subject = True  # « Qui a remercié Pyongyang ? »
    if surface_subject:
        return (OBJECT, None, subject, None) if passive else (SUBJECT, None, None, obj)
    return OBJECT, None, subject, None


def _subject_after(verb: Token | None, text: str) -> str | None:
    """A subject after its verb (« Que veut obtenir Pyongyang ? », « Par qui est soutenu le club ? »)."""
    if verb is None:
        return None
    for token in verb.head.subtree if verb.dep_ == "xcomp" else verb.subtree:
        if token.dep_ in ("nsubj", "nsubj:pass") and token.i > verb.i and token.pos_ in ("PROPN", "NOUN"):
            return _np_text(text, token.left_edge.idx, token.right_edge.idx + len(token.right_edge))
    return None


def _named_object(verb: Token | None, text: str) -> str | None:
    if verb is None:
        return None
    for child in verb.children:
        if child.dep_ == "obj" and child.pos_ in ("PROPN", "NOUN") and child.i > verb.i:
            return _np_text(text, child.left_edge.idx, child.right_edge.idx + len(child.right_edge))
    return None


def _agent(verb: Token | None, text: str) -> str | None:
    if verb is None:
        return None
    match = re.search(r"\bpar\s+(.+?)\s*(?:[?,;.!]|$)", text[verb.idx :])
    return match.group(1) if match else None


def _entities(doc: Doc, text: str, phrase: WhPhrase | None) -> list[Entity]:
    """The question's own entities, the question phrase left out (« Qui Lavrov » → Lavrov)."""
    out: list[Entity] = []
    lo, hi = (phrase.start, phrase.end) if phrase else (0, 0)

    def add(a: int, b: int, kind: str) -> None:
        if a < hi and b > lo:
            a = max(a, hi)
        piece = text[a:b]
        stripped = piece.strip(" ,;:?!.-’'")
        if not stripped or fold(stripped) in STOP_WORDS:
            return
        a += piece.index(stripped)
        b = a + len(stripped)
        if a >= b or any(e.start < b and a < e.end for e in out):
            return
        out.append(Entity(text[a:b], a, b, kind))

    for ent in doc.ents:
        add(ent.start_char, ent.end_char, SPACY_TYPES.get(ent.label_, MISC))
    for match in NAME.finditer(text):
        first = fold(match.group().split()[0])
        if match.start() == 0 and (first in STOP_WORDS or first.rstrip("'’") in STOP_WORDS):
            continue
        add(match.start(), match.end(), MISC)
    for entity in rule_entities(text):
        if not (entity.start < hi and entity.end > lo):
            add(entity.start, entity.end, entity.type)
    return sorted(out, key=lambda e: e.start)
