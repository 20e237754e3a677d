"""What the reading analysis returns: frozen records of a question, a sentence, and a typed short answer.

Offsets are character offsets into the analysed text (``sentence.text[e.start:e.end] == e.text``),
except for an answer found through a pronoun (:attr:`TypedAnswer.from_previous`), whose offsets are
into the previous sentence's text.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON, ORG, PLACE, MISC = "PERSON", "ORG", "PLACE", "MISC"
DATE, NUMBER, DURATION = "DATE", "NUMBER", "DURATION"
NAMED_TYPES = frozenset({PERSON, ORG, PLACE, MISC})  # from the spaCy model (PER, ORG, LOC, MISC)
SPACY_TYPES = {"PER": PERSON, "ORG": ORG, "LOC": PLACE, "MISC": MISC}
RULE_TYPES = frozenset({DATE, NUMBER, DURATION})  # from patterns (qa.patterns)
ENTITY_TYPES = NAMED_TYPES | RULE_TYPES

# the entity types that answer a question expecting a type (« qui » expects PERSON: a person or an organisation)
ACCEPTS: dict[str, frozenset[str]] = {
    PERSON: frozenset({PERSON, ORG}),
    ORG: frozenset({ORG, PERSON}),
    PLACE: frozenset({PLACE}),
    MISC: frozenset({MISC, ORG, PERSON, PLACE}),
    DATE: frozenset({DATE}),
    NUMBER: frozenset({NUMBER, DURATION}),
    DURATION: frozenset({DURATION}),
}

SUBJECT, OBJECT, OBLIQUE, ATTRIBUTE = "subject", "object", "oblique", "attribute"
ROLES = frozenset({SUBJECT, OBJECT, OBLIQUE, ATTRIBUTE})
HOW = frozenset({"slot", "pronoun", "attribution", "description", "unit", "nearest", "reason", "manner"})


def _check_span(kind: str, text: str, start: int, end: int) -> None:
    if start < 0 or end < start or end - start != len(text):
        raise ValueError(f"{kind}: offsets {start}–{end} do not fit the text {text!r}")


@dataclass(frozen=True)
class Entity:
    """A typed span: a name (spaCy) or a date, number or duration (patterns). ``unit``: a number's unit
    noun as written (« obus » in « 60.000 obus »), None otherwise."""

    text: str
    start: int
    end: int
    type: str
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.type not in ENTITY_TYPES:
            raise ValueError(f"entity type {self.type!r} is not one of {sorted(ENTITY_TYPES)}")
        _check_span("entity", self.text, self.start, self.end)


@dataclass(frozen=True)
class Argument:
    """A verb's argument: its phrase, the entity that names it (when one does) and, for a subject pronoun
    (il, elle, ils, elles), the entity of the previous sentence it stands for (offsets there)."""

    text: str
    start: int
    end: int
    head: str
    entity: Entity | None = None
    pronoun: str | None = None
    resolved: Entity | None = None
    preposition: str | None = None

    def __post_init__(self) -> None:
        _check_span("argument", self.text, self.start, self.end)


@dataclass(frozen=True)
class Verb:
    """A verb (or a speech verb) with its surface roles; :attr:`actor` and :attr:`undergoer` read them in the
    active voice (« X a été accueilli par Y »: actor Y, undergoer X)."""

    lemma: str
    text: str
    start: int
    end: int
    passive: bool = False
    subject: Argument | None = None
    object: Argument | None = None
    agent: Argument | None = None
    obliques: tuple[Argument, ...] = ()
    main: bool = False  # the sentence's main verb (its root, or a verb coordinated with it)

    def __post_init__(self) -> None:
        _check_span("verb", self.text, self.start, self.end)

    @property
    def actor(self) -> Argument | None:
        return self.agent if self.passive else self.subject

    @property
    def undergoer(self) -> Argument | None:
        return self.subject if self.passive else self.object

    def role(self, role: str, preposition: str | None = None) -> Argument | None:
        """The argument filling ``role`` (active voice): subject, object, or an oblique with ``preposition``."""
        if role == SUBJECT:
            return self.actor
        if role == OBJECT:
            return self.undergoer
        if role == OBLIQUE:
            return next((a for a in self.obliques if preposition is None or a.preposition == preposition), None)
        if role == ATTRIBUTE:
            return None
        raise ValueError(f"role {role!r} is not one of {sorted(ROLES)}")


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks for.

    ``expected``: the answer's type (PERSON for « qui », PLACE, DATE, NUMBER, DURATION, ORG, MISC) or None
    (a description: que, pourquoi, comment, most « quel » questions); ``wh``: the question word (qui, où,
    quand, combien, quel, que, quoi, pourquoi, comment) or None; ``head``: a « quel » question's head noun;
    ``unit``: what « combien de … » counts, as a lemma (« missile »); ``focus``: the main verb's lemma;
    ``asked``: the slot the answer fills in the active voice (subject, object, oblique, attribute) with
    ``preposition`` for an oblique (« à qui »); ``subject`` / ``object``: the slots the question names
    itself (active voice); ``entities``: the question's own names; ``lemmas``: its content words (lemmas)
    and ``terms``: their stems (:func:`index.french.analyze`), what a sentence must match.
    """

    text: str
    expected: str | None
    wh: str | None = None
    head: str | None = None
    unit: str | None = None
    focus: str | None = None
    asked: str | None = None
    preposition: str | None = None
    passive: bool = False
    subject: str | None = None
    object: str | None = None
    entities: tuple[Entity, ...] = ()
    lemmas: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.expected is not None and self.expected not in ACCEPTS:
            raise ValueError(f"expected type {self.expected!r} is not one of {sorted(ACCEPTS)}")
        if self.asked is not None and self.asked not in ROLES:
            raise ValueError(f"asked role {self.asked!r} is not one of {sorted(ROLES)}")

    @property
    def accepts(self) -> frozenset[str]:
        """The entity types that answer it (empty when it expects none)."""
        return ACCEPTS.get(self.expected, frozenset()) if self.expected else frozenset()


@dataclass(frozen=True)
class Description:
    """What a sentence says a name is: « le navigateur génois Christophe Colomb », « Laura, l'entremetteuse »,
    « Nicolas Berggruen est un investisseur… » (``text`` is the description, offsets in the sentence)."""

    entity: Entity
    text: str
    start: int
    end: int

    def __post_init__(self) -> None:
        _check_span("description", self.text, self.start, self.end)


@dataclass(frozen=True)
class SentenceAnalysis:
    """One sentence read: its entities, its verbs with their roles, who it is attributed to (« a déclaré X »,
    « selon X »), what it says its names are, whether it is a photo caption or a credit line, and the stems
    of its words."""

    text: str
    entities: tuple[Entity, ...] = ()
    verbs: tuple[Verb, ...] = ()
    attribution: Argument | None = None
    descriptions: tuple[Description, ...] = ()
    caption: bool = False
    terms: frozenset[str] = frozenset()
    previous: str | None = None

    def of_type(self, types: frozenset[str]) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.type in types)


@dataclass(frozen=True)
class TypedAnswer:
    """The span of a sentence that fills the question's gap, its type, and how it was found: ``slot`` (the
    focus verb's asked argument), ``pronoun`` (that argument is a pronoun: the answer is the previous
    sentence's entity, offsets there, :attr:`from_previous`), ``attribution`` (the speaker), ``description``
    (« Qui est X ? »: what the sentence says X is; its type is the question's), ``unit`` (a
    number counting what « combien de » asks), ``nearest`` (the candidate of the type nearest the question's
    words)."""

    text: str
    start: int
    end: int
    type: str
    how: str
    from_previous: bool = False

    def __post_init__(self) -> None:
        if self.how not in HOW:
            raise ValueError(f"how {self.how!r} is not one of {sorted(HOW)}")
        if self.type not in ENTITY_TYPES:
            raise ValueError(f"answer type {self.type!r} is not one of {sorted(ENTITY_TYPES)}")
        _check_span("answer", self.text, self.start, self.end)
