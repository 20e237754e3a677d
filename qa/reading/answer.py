"""The short answer by type: the span of a sentence, of the type the question expects, that fills its gap.

In order: « Qui est X ? » → what the sentence says X is (« le navigateur génois »); the focus verb's asked
slot (« Qui a remercié Pyongyang ? » → that verb's subject, through a pronoun to the sentence before if need
be; « Qui Lavrov a-t-il rencontré ? » → its object; « Par qui … accueilli ? » → the agent), or its speaker for a
speech verb; « Où … ? » → the focus verb's place (« à Liévin », « sur la commune de … »); else the candidate of
the expected type with the best :attr:`Candidate.score` (a number counting what « combien de » counts, an
argument of the focus verb, near the question's words…; hand-set weights, a ranker can learn better ones from
:func:`candidates`). Never an entity the question names itself. None when the sentence holds no candidate of
the type: the sign that it does not answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.french import analyze
from qa.reading.places import governing, is_seat, normal_preposition, place_prepositions
from qa.reading.qtype import wh_phrase
from qa.reading.rules import SPEECH_VERBS, unit_key
from qa.reading.types import (
    ATTRIBUTE,
    DURATION,
    NAMED_TYPES,
    NUMBER,
    OBLIQUE,
    ORG,
    PERSON,
    PLACE,
    RULE_TYPES,
    SUBJECT,
    Argument,
    Entity,
    QuestionAnalysis,
    SentenceAnalysis,
    TypedAnswer,
    Verb,
)

_WINDOW = 60  # characters each side of a candidate where the question's words count
_HEAD_WINDOW = 30  # characters before a candidate where the « quel » noun counts
_MAX_PHRASE_WORDS = 8  # a slot without a name answers with its phrase only when it is this short
_PRONOUNS = frozenset(
    """qui que qu' qu’ dont lequel laquelle lesquels lesquelles ce c' c’ cela ceci ça celui celle ceux celles on
    je j' j’ tu nous vous il elle ils elles lui leur eux se s' s’ en y personne rien tout tous chacun aucun""".split()
)


@dataclass(frozen=True)
class Candidate:
    """An entity of the expected type and why it may answer (what :func:`typed_answer` weighs)."""

    entity: Entity
    on_focus: bool  # an argument of the focus verb
    in_role: bool  # fills the asked role of some verb (the subject for « qui a … »)
    unit_match: bool
    after_head: bool  # the question's « quel » noun just before it (« le surnom de X », « le défenseur X »)
    in_main: bool  # an argument of the sentence's main verb
    window_share: float  # share of the question's terms within _WINDOW characters
    distance: int  # characters to the nearest word of the question (the sentence's length when none)
    governed: bool = False  # a place after the preposition the question asks for (« vers quel port » → vers X)

    @property
    def score(self) -> float:
        return (
            2.0 * self.on_focus
            + 0.5 * self.in_role
            + 3.0 * self.unit_match
            + 1.0 * self.after_head
            + 0.5 * self.in_main
            + 1.0 * self.window_share
            - 0.3 * math.log1p(self.distance)
            + 0.5 * (self.entity.type == PERSON)
            + 1.0 * self.governed
        )


def held_by_question(question: QuestionAnalysis, entity: Entity | Argument) -> bool:
    """True when the question names it already: a name whose last word (or every word) is among the question's
    terms, a date or number whose digits the question writes."""
    text = entity.text
    digits = re.findall(r"\d+", text)
    if isinstance(entity, Entity) and entity.type not in NAMED_TYPES:
        question_digits = set(re.findall(r"\d+", question.text))
        return bool(digits) and all(d in question_digits for d in digits)
    terms = analyze(text)
    if not terms:
        return False
    return terms[-1] in question.terms or all(t in question.terms for t in terms)


def _focus_verbs(question: QuestionAnalysis, sentence: SentenceAnalysis) -> list[Verb]:
    return [v for v in sentence.verbs if question.focus and v.lemma == question.focus]


def _slot(question: QuestionAnalysis, verb: Verb) -> Argument | None:
    if question.asked is None:
        return None
    return verb.role(question.asked, question.preposition if question.asked == OBLIQUE else None)


def _slot_answer(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    """The focus verb's asked argument, when it names something of a fitting type (or, for « qui », is a short
    noun phrase: « le ministre »)."""
    names = question.expected in (PERSON, ORG)
    fits = NAMED_TYPES if names else question.accepts
    for verb in _focus_verbs(question, sentence):
        arg = _slot(question, verb)
        if arg is None:
            continue
        if arg.resolved is not None and arg.resolved.type in fits and not held_by_question(question, arg.resolved):
            r = arg.resolved
            return TypedAnswer(r.text, r.start, r.end, r.type, "pronoun", from_previous=True)
        entity = arg.entity
        if entity is not None and entity.type in fits and not held_by_question(question, entity):
            return TypedAnswer(entity.text, entity.start, entity.end, entity.type, "slot")
        if (
            names
            and entity is None
            and arg.pronoun is None
            and arg.resolved is None
            and len(arg.text.split()) <= _MAX_PHRASE_WORDS
            and arg.head[:1].isalpha()
            and arg.head.lower() not in _PRONOUNS
            and not held_by_question(question, arg)
        ):
            return TypedAnswer(arg.text, arg.start, arg.end, question.expected or PERSON, "slot")
    speaker = sentence.attribution
    if names and question.asked == SUBJECT and question.focus in SPEECH_VERBS and speaker is not None:
        if speaker.resolved is not None and not held_by_question(question, speaker.resolved):
            r = speaker.resolved
            return TypedAnswer(r.text, r.start, r.end, r.type, "attribution", from_previous=True)
        if speaker.entity is not None and not held_by_question(question, speaker.entity):
            e = speaker.entity
            return TypedAnswer(e.text, e.start, e.end, e.type, "attribution")
    return None


def _description_answer(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    """« Qui est X ? »: what the sentence says X is (« le navigateur génois », « un investisseur… »)."""
    if question.asked != ATTRIBUTE or not question.entities:
        return None
    for d in sentence.descriptions:
        if held_by_question(question, d.entity) and len(d.text.split()) <= _MAX_PHRASE_WORDS:
            return TypedAnswer(d.text, d.start, d.end, question.expected or PERSON, "description")
    return None


def _wh_preposition(question: QuestionAnalysis) -> str | None:
    """The preposition before the question word (« vers » in « Vers quel port », « de » in « D'où »)."""
    phrase = wh_phrase(question.text)
    return phrase.preposition if phrase else None


def _place_question(question: QuestionAnalysis) -> bool:
    return question.expected == PLACE and (question.wh == "où" or _wh_preposition(question) is not None)


def _place_answer(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    """« Où … ? », « Vers quel port … ? »: the focus verb's place after a preposition the question allows (« à
    Liévin », « vers Dunay »), a named place first; for « où », else a short unnamed one (« sur la commune de
    … »), the one after the verb first, never a date's or a number's phrase."""
    if not _place_question(question):
        return None
    allowed = place_prepositions(_wh_preposition(question))
    obliques = [
        arg
        for verb in _focus_verbs(question, sentence)
        for arg in sorted(verb.obliques, key=lambda x: (x.start < verb.start, abs(x.start - verb.start)))
        if normal_preposition(arg.preposition) in allowed and not held_by_question(question, arg)
    ]
    for arg in obliques:
        inside = [
            e
            for e in sentence.entities
            if e.type == PLACE
            and arg.start <= e.start
            and e.end <= arg.end
            and not is_seat(e.text)
            and not held_by_question(question, e)
        ]
        if inside:
            return TypedAnswer(inside[0].text, inside[0].start, inside[0].end, PLACE, "slot")
    if question.wh != "où":
        return None
    for arg in obliques:
        dated = any(e.type in RULE_TYPES and arg.start <= e.start and e.end <= arg.end for e in sentence.entities)
        seat = any(is_seat(e.text) and arg.start <= e.start and e.end <= arg.end for e in sentence.entities)
        if not dated and not seat and len(arg.text.split()) <= _MAX_PHRASE_WORDS:
            return TypedAnswer(arg.text, arg.start, arg.end, PLACE, "slot")
    return None


def _args(verb: Verb) -> list[Argument]:
    return [a for a in (verb.subject, verb.object, verb.agent, *verb.obliques) if a is not None]


def candidates(question: QuestionAnalysis, sentence: SentenceAnalysis) -> list[Candidate]:
    """The sentence's entities of the expected type that the question does not name, with what weighs them."""
    accepts = question.accepts
    if not accepts:
        return []
    text = sentence.text
    matched = [m.start() for m in re.finditer(r"\w+", text) if (t := analyze(m.group())) and t[0] in question.terms]
    focus_args = [a for v in _focus_verbs(question, sentence) for a in _args(v)]
    role_args = [a for v in sentence.verbs if question.asked and (a := _slot(question, v)) is not None]
    want_unit = unit_key(question.unit) if question.expected in (NUMBER, DURATION) else None
    main_args = [a for v in sentence.verbs if v.main for a in _args(v)]
    head = unit_key(question.head)
    place = question.expected == PLACE
    allowed = place_prepositions(_wh_preposition(question)) if place else frozenset()
    out = []
    for entity in sentence.entities:
        if entity.type not in accepts or held_by_question(question, entity) or (place and is_seat(entity.text)):
            continue
        a, b = entity.start, entity.end
        around = set(analyze(text[max(0, a - _WINDOW) : a] + " " + text[b : b + _WINDOW]))
        share = len(around & question.terms) / len(question.terms) if question.terms else 0.0
        nearest = min((abs(a - m) for m in matched), default=len(text))
        out.append(
            Candidate(
                entity=entity,
                on_focus=any(x.start <= a and b <= x.end for x in focus_args),
                in_role=any(x.start <= a and b <= x.end for x in role_args),
                unit_match=want_unit is not None and unit_key(entity.unit) == want_unit,
                after_head=head is not None and head in analyze(text[max(0, a - _HEAD_WINDOW) : a]),
                in_main=any(x.start <= a and b <= x.end for x in main_args),
                window_share=share,
                distance=nearest,
                governed=place and governing(text, a) in allowed,
            )
        )
    return out


def typed_answer(question: QuestionAnalysis, sentence: SentenceAnalysis) -> TypedAnswer | None:
    """The span of ``sentence`` of the type ``question`` expects that fills its gap, or None when the question
    expects no type (que, pourquoi, comment…) or the sentence holds no candidate of the type."""
    if not question.accepts:
        return None
    for finder in (_description_answer, _slot_answer, _place_answer):
        found = finder(question, sentence)
        if found is not None:
            return found
    pool = candidates(question, sentence)
    if not pool:
        return None
    best = max(pool, key=lambda c: (c.score, -c.entity.start))
    e = best.entity
    how = "unit" if best.unit_match else "slot" if best.on_focus else "nearest"
    return TypedAnswer(e.text, e.start, e.end, e.type, how)
