"""Numeric features of a (question, sentence) pair for a learned ranker: does the sentence hold an answer of
the type the question expects, does it fill the question's gap, is it a caption…

Every name in :data:`FEATURES` is always present (stable names, for a model's weights); values are 0/1 flags
or shares in [0, 1], except ``type_candidates`` (a count, at most :data:`MAX_CANDIDATES`).
"""

from __future__ import annotations

from index.french import analyze
from qa.reading.answer import candidates, held_by_question, typed_answer
from qa.reading.rules import unit_key
from qa.reading.types import NAMED_TYPES, OBLIQUE, Argument, QuestionAnalysis, SentenceAnalysis, TypedAnswer

MAX_CANDIDATES = 5

FEATURES: dict[str, str] = {
    "expected_known": "1 when the question expects a type (qui, où, quand, combien, quel + a typed noun)",
    "type_present": "the sentence holds an entity of the expected type that the question does not name",
    "type_only_in_question": "it holds entities of the type, but only ones the question names itself",
    "type_absent": "the question expects a type and the sentence holds no entity of it (the abstention signal)",
    "type_candidates": f"how many entities of the type the question does not name (a count, at most {MAX_CANDIDATES})",
    "focus_verb_present": "a verb of the sentence has the question's focus verb's lemma",
    "focus_slot_filled": "that verb's asked slot (subject, object, oblique) is filled",
    "focus_slot_typed": "…and filled by an entity of a fitting type (or a pronoun resolved to one)",
    "named_args_match": "share of the slots the question names (its subject, its object) found in the same role",
    "question_entities_found": "share of the question's entities whose name the sentence holds",
    "question_terms_found": "share of the question's terms (stems) in the sentence",
    "caption": "the sentence is a photo caption or a credit line",
    "attributed": "the sentence is attributed to a speaker (« a déclaré X », « selon X »)",
    "answer_found": "typed_answer gives an answer",
    "answer_by_slot": "…found as the focus verb's slot, its pronoun or the speaker",
    "answer_by_pronoun": "…found through a subject pronoun resolved to the sentence before",
    "unit_match": "a « combien de X » question and a number counting X",
    "answer_window_share": "share of the question's terms within 60 characters of the answer",
}


def _share(found: int, total: int) -> float:
    return found / total if total else 0.0


def _same(named: str | None, arg: Argument | None) -> bool | None:
    """None when the question names no such slot; else whether ``arg`` holds its last word."""
    if not named:
        return None
    terms = analyze(named)
    if not terms or arg is None:
        return False
    words = set(analyze(arg.text)) | set(analyze(arg.resolved.text if arg.resolved else ""))
    return terms[-1] in words


_FIND = object()  # reading_features finds the typed answer itself


def reading_features(
    question: QuestionAnalysis, sentence: SentenceAnalysis, *, answer: TypedAnswer | None | object = _FIND
) -> dict[str, float]:
    """The :data:`FEATURES` of ``sentence`` as an answer to ``question``; ``answer``: its
    :func:`~qa.reading.answer.typed_answer` when the caller has it already."""
    accepts = question.accepts
    typed = sentence.of_type(accepts) if accepts else ()
    fresh = [e for e in typed if not held_by_question(question, e)]
    focus = [v for v in sentence.verbs if question.focus and v.lemma == question.focus]
    slots = [
        v.role(question.asked, question.preposition if question.asked == OBLIQUE else None)
        for v in focus
        if question.asked
    ]
    slots = [a for a in slots if a is not None]
    fits = NAMED_TYPES if accepts & NAMED_TYPES else accepts
    slot_typed = any(
        (a.entity is not None and a.entity.type in fits) or (a.resolved is not None and a.resolved.type in fits)
        for a in slots
    )
    named = [m for v in focus for m in (_same(question.subject, v.actor), _same(question.object, v.undergoer))]
    named_checked = [m for m in named if m is not None]
    entity_terms = [analyze(e.text) for e in question.entities if e.type in NAMED_TYPES]
    entity_terms = [t for t in entity_terms if t]
    resolved_terms = {
        t for v in sentence.verbs if v.subject and v.subject.resolved for t in analyze(v.subject.resolved.text)
    }
    if answer is _FIND:
        answer = typed_answer(question, sentence)
    window = 0.0
    if answer is not None and not answer.from_previous and question.terms:
        text = sentence.text
        around = set(analyze(text[max(0, answer.start - 60) : answer.start] + " " + text[answer.end : answer.end + 60]))
        window = _share(len(around & question.terms), len(question.terms))
    want_unit = unit_key(question.unit)
    return {
        "expected_known": float(bool(accepts)),
        "type_present": float(bool(fresh)),
        "type_only_in_question": float(bool(typed) and not fresh),
        "type_absent": float(bool(accepts) and not typed),
        "type_candidates": float(min(len(fresh), MAX_CANDIDATES)),
        "focus_verb_present": float(bool(focus)),
        "focus_slot_filled": float(bool(slots)),
        "focus_slot_typed": float(slot_typed),
        "named_args_match": _share(sum(named_checked), len(named_checked)),
        "question_entities_found": _share(
            sum(t[-1] in sentence.terms or t[-1] in resolved_terms for t in entity_terms), len(entity_terms)
        ),
        "question_terms_found": _share(len(question.terms & sentence.terms), len(question.terms)),
        "caption": float(sentence.caption),
        "attributed": float(sentence.attribution is not None),
        "answer_found": float(answer is not None),
        "answer_by_slot": float(answer is not None and answer.how in ("slot", "pronoun", "attribution")),
        "answer_by_pronoun": float(answer is not None and answer.from_previous),
        "unit_match": float(want_unit is not None and any(c.unit_match for c in candidates(question, sentence))),
        "answer_window_share": window,
    }
