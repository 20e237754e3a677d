"""Reading sentences: their entities, their verbs with who does what, who they are attributed to, whether they
are photo captions, and what a subject pronoun stands for.

One batch through spaCy for all the sentences not yet cached (an LRU keyed by model and text, the pronouns
left unresolved there); a pronoun subject (il, elle, ils, elles) is then resolved against the sentence
before it, which is read too when, and only when, the sentence holds such a pronoun.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from index.french import analyze
from qa.reading import nlp as _nlp
from qa.reading.rules import ETRE_VERBS, SPEECH_VERBS, SUBJECT_PRONOUNS, is_caption, rule_entities
from qa.reading.types import (
    MISC,
    NAMED_TYPES,
    ORG,
    PERSON,
    SPACY_TYPES,
    Argument,
    Description,
    Entity,
    SentenceAnalysis,
    Verb,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

CACHE_SIZE = 20_000
_CACHE: _nlp.LRU[tuple[str, str], SentenceAnalysis] = _nlp.LRU(CACHE_SIZE)
_SUBJECT_DEPS = ("nsubj", "nsubj:pass")
_PHRASE_STOP = frozenset({"acl:relcl", "acl", "advcl", "ccomp", "parataxis", "dep", "mark"})
_TITLE = re.compile(r"^(?:M|MM|Mme|Mmes|Mlle|Dr|Pr|Me|Mgr)\.?\s+(?=\w)")
_MAX_PHRASE_TOKENS = 12


def analyze_sentences(
    texts: Sequence[str], *, previous: Sequence[str | None] | None = None, model: str | None = None
) -> list[SentenceAnalysis]:
    """Read ``texts`` in one batch; ``previous[i]`` is the sentence before ``texts[i]`` (or None), read (in a second
    batch) only when ``texts[i]`` has a subject pronoun that nothing before it in the sentence resolves. Results
    are cached by text (:data:`CACHE_SIZE` sentences)."""
    if isinstance(texts, str):
        raise ValueError("texts is a sequence of sentences, not one string")
    texts = [_clean(t) for t in texts]
    prev: list[str | None] = (
        [None] * len(texts) if previous is None else [None if p is None else _clean(p) for p in previous]
    )
    if len(prev) != len(texts):
        raise ValueError(f"previous has {len(prev)} sentences for {len(texts)} texts")
    name = model or _nlp.model_name()
    core = _read_all(texts, name)
    prev = [p if p and _needs_previous(core[t]) else None for t, p in zip(texts, prev)]
    core.update(_read_all([p for p in prev if p and p not in core], name))
    out = []
    for text, before in zip(texts, prev):
        analysis = core[text]
        has_pronoun = any(v.subject is not None and v.subject.pronoun for v in analysis.verbs)
        out.append(_resolve(analysis, core[before] if before else None) if has_pronoun else analysis)
    return out


def clear_cache() -> None:
    _CACHE.clear()


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError(f"a sentence is a string, not {type(text).__name__}")
    return unicodedata.normalize("NFC", text)


def _read_all(texts: list[str], name: str) -> dict[str, SentenceAnalysis]:
    found: dict[str, SentenceAnalysis] = {}
    missing = []
    for text in dict.fromkeys(texts):
        cached = _CACHE.get((name, text))
        if cached is None:
            missing.append(text)
        else:
            found[text] = cached
    for text, doc in zip(missing, _nlp.parse(missing, name) if missing else []):
        analysis = _read(text, doc, name)
        _CACHE.put((name, text), analysis)
        found[text] = analysis
    return found


def _read(text: str, doc: Doc, name: str) -> SentenceAnalysis:
    entities = _entities(doc, text)
    verbs = _verbs(doc, text, entities, name)
    return SentenceAnalysis(
        text=text,
        entities=entities,
        verbs=verbs,
        attribution=_attribution(doc, text, verbs, entities),
        descriptions=_descriptions(doc, text, entities),
        caption=is_caption(text),
        terms=frozenset(analyze(text)),
    )


def _entities(doc: Doc, text: str) -> tuple[Entity, ...]:
    named = []
    for ent in doc.ents:
        piece = text[ent.start_char : ent.end_char]
        stripped = piece.strip(" ,;:.«»“”\"'’()-")
        if not stripped:
            continue
        a = ent.start_char + piece.index(stripped)
        kind = SPACY_TYPES.get(ent.label_, MISC)
        if kind == PERSON and (title := _TITLE.match(stripped)) and title.end() < len(stripped):
            a, stripped = a + title.end(), stripped[title.end() :]  # « M. Lavrov » → Lavrov
        elif len(ent) == 1 and _PEOPLE.match(stripped) and ent.start > 0 and doc[ent.start - 1].lower_ in _PLURAL:
            kind = PERSON  # « les Anglais », « des Européens »: a people
        named.append(Entity(stripped, a, a + len(stripped), kind))
    return tuple(
        sorted(named + [_trim_unit(e, doc, text) for e in rule_entities(text)], key=lambda e: (e.start, e.end))
    )


_PEOPLE = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:ais|ois|ens|iens|ains|ins|ols|ans|ites|iques|es|s)$")
_PLURAL = frozenset({"les", "des", "aux", "d'", "d’", "ces"})
_UNIT_POS = frozenset({"NOUN", "PROPN", "ADJ", "SYM", "X", "NUM"})


def _trim_unit(entity: Entity, doc: Doc, text: str) -> Entity:
    """« 3 dans », « 6 est »: a pattern's unit that is not a noun is cut off."""
    if entity.unit is None:
        return entity
    at = text.find(entity.unit, entity.start, entity.end)
    token = next((t for t in doc if t.idx == at), None)
    if token is None or token.pos_ in _UNIT_POS:
        return entity
    end = entity.start + len(text[entity.start : at].rstrip())
    if end <= entity.start:
        return entity
    return Entity(text[entity.start : end], entity.start, end, entity.type, unit=None)


def _phrase(token: Token, text: str) -> tuple[int, int]:
    """The character span of the noun phrase headed by ``token``: its subtree without clauses or commas after."""
    keep = [token]
    stack = list(token.children)
    while stack:
        child = stack.pop()
        if child.dep_ in _PHRASE_STOP or (child.i > token.i and child.pos_ == "VERB"):
            continue
        if child.dep_ == "punct" and child.lower_ not in (",", "-"):
            continue
        keep.append(child)
        stack.extend(child.children)
    keep.sort(key=lambda t: t.i)
    start_i = token.i
    end_i = token.i
    by_index = {t.i: t for t in keep}
    while start_i - 1 in by_index and token.i - (start_i - 1) <= _MAX_PHRASE_TOKENS:
        start_i -= 1
    while end_i + 1 in by_index and (end_i + 1) - start_i < _MAX_PHRASE_TOKENS:
        end_i += 1
    doc = token.doc
    a, b = doc[start_i].idx, doc[end_i].idx + len(doc[end_i])
    piece = text[a:b]
    stripped = piece.strip(" ,;:.«»“”\"'’()-")
    a += piece.index(stripped) if stripped else 0
    return a, a + len(stripped)


def _argument(token: Token, text: str, entities: tuple[Entity, ...], preposition: str | None = None) -> Argument:
    a, b = _phrase(token, text)
    pronoun = token.lower_ if token.pos_ == "PRON" and token.lower_ in SUBJECT_PRONOUNS else None
    covering = [e for e in entities if e.type in NAMED_TYPES and e.start <= token.idx < e.end]
    inside = [] if pronoun else [e for e in entities if e.type in NAMED_TYPES and a <= e.start and e.end <= b]
    people = [e for e in covering + inside if e.type == PERSON]  # « le ministre …, Choe Son Hui »: the person
    entity = (people or covering or inside or [None])[0]
    if entity is not None:
        a, b = min(a, entity.start), max(b, entity.end)
    return Argument(text[a:b], a, b, token.text, entity=entity, pronoun=pronoun, preposition=preposition)


def _case(token: Token) -> str | None:
    for child in token.children:
        if child.dep_ in ("case", "mark") and child.i < token.i:
            return child.lower_
    return None


def _antecedent(token: Token) -> Token:
    """A relative pronoun's antecedent: « Vladimir Poutine, qui a accueilli … » → Poutine."""
    if token.lower_ in ("qui", "lequel", "laquelle", "lesquels", "lesquelles") and token.head.dep_ == "acl:relcl":
        return token.head.head
    return token


def _verbs(doc: Doc, text: str, entities: tuple[Entity, ...], name: str) -> tuple[Verb, ...]:
    made: dict[int, Verb] = {}
    for token in doc:
        if token.pos_ != "VERB":
            continue
        lemma = _nlp.lemma(token, "VERB", name)
        deps = {c.dep_ for c in token.children}
        participle = "Part" in token.morph.get("VerbForm")
        passive = lemma not in ETRE_VERBS and ("aux:pass" in deps or (token.dep_ == "acl" and participle))
        subject = obj = agent = None
        obliques = []
        for child in token.children:
            dep = child.dep_
            if dep in _SUBJECT_DEPS and subject is None:
                subject = _argument(_antecedent(child), text, entities)
            elif dep == "obj" and obj is None:
                obj = _argument(child, text, entities)
            elif dep == "obl:agent" or (
                dep.startswith("obl") and passive and child.i > token.i and _case(child) == "par" and agent is None
            ):
                agent = _argument(child, text, entities, "par")
            elif dep.startswith("obl"):
                obliques.append(_argument(child, text, entities, _case(child)))
        if token.dep_ == "acl" and passive and subject is None and token.head.pos_ in ("NOUN", "PROPN"):
            subject = _argument(token.head, text, entities)  # « l'annexion, revendiquée par Moscou »
        made[token.i] = Verb(
            lemma=lemma,
            text=token.text,
            start=token.idx,
            end=token.idx + len(token),
            passive=passive,
            subject=subject,
            object=obj,
            agent=agent,
            obliques=tuple(obliques),
            main=token.dep_ == "ROOT",
        )
    for token in doc:  # « a mené … et a inscrit », « devrait ouvrir »: the subject is shared
        verb = made.get(token.i)
        if verb is None or token.dep_ not in ("conj", "xcomp"):
            continue
        head = made.get(token.head.i)
        if head is None:
            continue
        if head.main and not verb.main:
            made[token.i] = verb = replace(verb, main=True)
        if verb.subject is None and head.subject is not None:
            made[token.i] = replace(verb, subject=head.subject)
    return tuple(made[i] for i in sorted(made))


def _descriptions(doc: Doc, text: str, entities: tuple[Entity, ...]) -> tuple[Description, ...]:
    """What the sentence says its names are: the noun a name is apposed to (« le navigateur génois Christophe
    Colomb », « son ancienne coéquipière, Sandra Le Dréan »), its apposition (« Laura, l'entremetteuse »), or
    the predicate of « X est un … »."""
    out = []
    for entity in entities:
        if entity.type not in NAMED_TYPES:
            continue
        span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
        if span is None:
            continue
        root = span.root
        found: tuple[int, int] | None = None
        head = root.head
        between = doc[head.i + 1 : span.start] if head.i < span.start else None
        if (
            root.dep_ in ("appos", "flat:name", "nmod", "flat")
            and head.pos_ == "NOUN"
            and between is not None
            and all(t.pos_ in ("ADJ", "PUNCT") or t.dep_ in ("amod", "flat:name") for t in between)
        ):
            a, b = _phrase(head, text)
            found = (a, min(b, entity.start))  # the noun phrase before the name
        elif (
            root.dep_ in _SUBJECT_DEPS and any(c.dep_ == "cop" for c in head.children) and head.pos_ in ("NOUN", "ADJ")
        ):
            found = _phrase(head, text)
        else:
            appos = [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN" and c.i >= span.end]
            if appos:
                found = _phrase(appos[0], text)
        if found is None:
            continue
        a, b = found
        piece = text[a:b]
        stripped = piece.strip(" ,;:.«»“”\"'’()-")
        if not stripped or (entity.start <= a + piece.index(stripped) < entity.end):
            continue
        a += piece.index(stripped)
        out.append(Description(entity, stripped, a, a + len(stripped)))
    return tuple(out)


def _attribution(doc: Doc, text: str, verbs: tuple[Verb, ...], entities: tuple[Entity, ...]) -> Argument | None:
    """Who the sentence quotes: the subject of a speech verb (« a déclaré X », « X a dit »), or « selon X »."""
    for verb in verbs:
        if verb.lemma in SPEECH_VERBS and verb.actor is not None:
            return verb.actor
    for token in doc:
        if token.lower_ == "selon" and token.dep_ == "case" and token.head.pos_ in ("NOUN", "PROPN"):
            return _argument(token.head, text, entities, "selon")
    return None


def _antecedent_in(previous: SentenceAnalysis, pronoun: str) -> Entity | None:
    """What « il » stands for in the sentence before: a person acting there (subject or speaker), else its last
    person, else (il, elle) its last organisation."""
    actors = [v.actor.entity for v in previous.verbs if v.actor is not None and v.actor.entity is not None]
    if previous.attribution is not None and previous.attribution.entity is not None:
        actors.append(previous.attribution.entity)
    people = [e for e in actors if e.type == PERSON] or [e for e in previous.entities if e.type == PERSON][-1:]
    if people:
        return people[0]
    if pronoun in ("il", "elle"):
        orgs = [e for e in previous.entities if e.type == ORG]
        return orgs[-1] if orgs else None
    return None


def _person_before(analysis: SentenceAnalysis, arg: Argument) -> Entity | None:
    """A person named before a pronoun in its own sentence (« Kim a déclaré qu'il … »)."""
    before = [e for e in analysis.entities if e.type == PERSON and e.end <= arg.start]
    return before[-1] if before and arg.start > 0 else None


def _needs_previous(analysis: SentenceAnalysis) -> bool:
    return any(
        v.subject is not None
        and v.subject.pronoun is not None
        and v.subject.entity is None
        and _person_before(analysis, v.subject) is None
        for v in analysis.verbs
    )


def _resolve(analysis: SentenceAnalysis, previous: SentenceAnalysis | None) -> SentenceAnalysis:
    """The sentence with each subject pronoun resolved: to a person named before it in the sentence, else to
    the previous sentence's entity (:func:`_antecedent_in`), when there is a previous sentence."""

    def resolved(arg: Argument | None) -> Argument | None:
        if arg is None or arg.pronoun is None or arg.entity is not None or arg.resolved is not None:
            return arg
        person = _person_before(analysis, arg)
        if person is not None:
            return replace(arg, entity=person)
        if previous is None:
            return arg
        return replace(arg, resolved=_antecedent_in(previous, arg.pronoun))

    verbs = tuple(replace(v, subject=resolved(v.subject)) for v in analysis.verbs)
    attribution = analysis.attribution
    if attribution is not None and attribution.pronoun is not None:
        attribution = resolved(attribution)
    return replace(analysis, verbs=verbs, attribution=attribution, previous=previous.text if previous else None)
