"""The short answer of a question that expects no type (que, quoi, qu'est-ce qui, quel + a descriptive noun,
pourquoi, comment): a phrase of the sentence, never the question's own words.

In order: « Quel est le statut de X ? » → what the sentence says X is (:attr:`SentenceAnalysis.descriptions`);
the focus verb's asked slot (« Que veut obtenir Pyongyang ? » → its object, « Qu'est-ce qui … » → its subject,
« Sur quoi portent … » → its oblique « sur … »); « pourquoi » → a clause « parce que … », « car … », « afin de … »,
« pour + infinitive »; « comment » → « en + participle », « grâce à … », « par + noun ». None otherwise: a
wrong phrase in bold misleads more than none.
"""

from __future__ import annotations

import re

from index.french import analyze
from qa.reading.answer import held_by_question
from qa.reading.types import (
    MISC,
    OBJECT,
    OBLIQUE,
    SUBJECT,
    Argument,
    QuestionAnalysis,
    SentenceAnalysis,
    TypedAnswer,
)

_MAX_WORDS = 12  # a slot's phrase longer than this is no short answer
_SUBJECT_ASKED = re.compile(r"\bqu['’]est[- ]ce\s+qui\b", re.IGNORECASE)
_END = r"(?=\s*[,;:.!?()«»\"]|\s+(?:et|mais|alors|puis|tandis)\s|$)"
_REASON = re.compile(
    rf"\b(?:parce\s+qu['’]|parce\s+que\s|car\s|afin\s+(?:de|d['’]|que\s|qu['’])|pour\s+(?=\w+(?:er|ir|re)\b)"
    rf"|en\s+raison\s+d|à\s+cause\s+d|du\s+fait\s+d)[^,;:.!?()«»\"]*?{_END}",
    re.IGNORECASE,
)
_MANNER = re.compile(
    rf"\b(?:en\s+(?=\w+ant\b)|grâce\s+(?:à|au|aux)\s|par\s+(?:l['’]|le\s|la\s|les\s|un\s|une\s|des\s|)"
    rf"(?=[a-zà-ÿ]{{4,}})(?![a-zà-ÿ]+(?:er|ir)\b)(?!(?:exemple|suite|ailleurs|contre|conséquent|rapport|moments|endroits)\b))"
    rf"[^,;:.!?()«»\"]*?{_END}",
)
# « comment » asks for a name or a quality with these verbs (« Comment s'appelle… », « Comment est… »), not a manner
_NAMING = frozenset({"appeler", "nommer", "surnommer", "dénommer", "qualifier", "dire", "désigner", "être", "traduire"})
# « Quel est le métier de X ? », « Quelle fonction occupait X ? »: the question starts with « quel » and its verb,
# if any, says what X is or does
_QUEL_START = re.compile(r"^\s*quel(?:le)?s?\b", re.IGNORECASE)
_BEING = frozenset({"être", "occuper", "exercer", "avoir", "devenir"})


def _asked(question: QuestionAnalysis) -> str | None:
    if _SUBJECT_ASKED.search(question.text):  # « Qu'est ce qui … » (no hyphen) reads as « que »
        return SUBJECT
    if question.asked is None and question.wh == "quel" and _QUEL_START.match(question.text):
        # « Quel traité X a-t-il signé ? » names its subject: the object is asked; « Quel club a battu X ? »
        return OBJECT if question.subject else SUBJECT if question.object else None
    return question.asked


def _fits(question: QuestionAnalysis, arg: Argument) -> bool:
    words = arg.text.split()
    return (
        0 < len(words) <= _MAX_WORDS
        and arg.pronoun is None
        and arg.head[:1].isalnum()
        and not held_by_question(question, arg)
        and bool(set(analyze(arg.text)) - question.terms)
    )


def _verb_slot(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    asked = _asked(question)
    if asked not in (SUBJECT, OBJECT, OBLIQUE) or not question.focus:
        return None
    for verb in sentence.verbs:
        if verb.lemma != question.focus:
            continue
        arg = verb.role(asked, question.preposition if asked == OBLIQUE else None)
        if arg is not None and _fits(question, arg):
            start = arg.start
            if asked == OBLIQUE and arg.preposition:  # « Sur quoi portent … » → « les salaires »
                cut = re.match(rf"{re.escape(arg.preposition)}\s*", arg.text, re.IGNORECASE)
                start += cut.end() if cut else 0
            return TypedAnswer(sentence.text[start : arg.end], start, arg.end, MISC, "slot")
    return None


def _description(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    if question.wh != "quel" or not question.entities or not _QUEL_START.match(question.text):
        return None
    if question.focus is not None and question.focus not in _BEING:
        return None
    for d in sentence.descriptions:
        short = 0 < len(d.text.split()) <= _MAX_WORDS
        if short and held_by_question(question, d.entity) and set(analyze(d.text)) - question.terms:
            return TypedAnswer(d.text, d.start, d.end, MISC, "description")
    return None


def _clause(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    pattern = _REASON if question.wh == "pourquoi" else _MANNER if question.wh == "comment" else None
    if pattern is None or (question.wh == "comment" and (question.focus is None or question.focus in _NAMING)):
        return None
    for m in pattern.finditer(sentence.text):
        text = m.group().rstrip()
        if len(text.split()) > 1 and set(analyze(text)) - question.terms:
            how = "reason" if question.wh == "pourquoi" else "manner"
            return TypedAnswer(text, m.start(), m.start() + len(text), MISC, how)
    return None


def slot_answer(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    """The phrase of ``sentence`` that answers ``question`` when it expects no type (see the module), or None
    (always None for a question that expects a type: :func:`qa.reading.answer.typed_answer` answers those)."""
    if question.expected is not None:
        return None
    for finder in (_description, _verb_slot, _clause):
        found = finder(question, sentence)
        if found is not None:
            return found
    return None
