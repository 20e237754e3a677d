"""The reading analysis (qa/reading): question types by rules, pattern entities and captions, the typed short
answer and the ranker's features on hand-made analyses (fast), then the real spaCy pipeline on the issue's
examples (slow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qa.reading.answer import held_by_question, typed_answer
from qa.reading.features import FEATURES, reading_features
from qa.reading.nlp import LRU
from qa.reading.qtype import expected_type, head_type, wh_phrase
from qa.reading.rules import is_caption, rule_entities, unit_key
from qa.reading.types import (
    DATE,
    DURATION,
    NUMBER,
    OBJECT,
    ORG,
    PERSON,
    PLACE,
    SUBJECT,
    Argument,
    Entity,
    QuestionAnalysis,
    SentenceAnalysis,
    TypedAnswer,
    Verb,
)
from tests.conftest import ROOT

# ---------------------------------------------------------------- question types (rules on strings)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Qui a remercié Pyongyang pour sa reconnaissance de l’annexion ?", PERSON),
        ("Par qui Lavrov a-t-il été accueilli ?", PERSON),
        ("QUI PROPOSE CETTE MANIFESTATION?", PERSON),
        ("Où Lavrov est-il allé ?", PLACE),
        ("d'où vient le nom", PLACE),
        ("Dans quelle ville Kim Jong-un a-t-il reçu le ministre russe ?", PLACE),
        ("Par quel port les conteneurs sont-ils partis ?", PLACE),
        ("Quels pays ont signé ?", PLACE),
        ("Quand Lavrov est-il arrivé ?", DATE),
        ("En quelle année le traité a-t-il été signé ?", DATE),
        ("À quelle date le traité a-t-il été signé ?", DATE),
        ("Quel jour Lavrov est-il arrivé ?", DATE),
        ("Combien d’obus l’armée russe tire-t-elle chaque jour ?", NUMBER),
        ("Quel est le score du match ?", NUMBER),
        ("À quel âge est-il mort ?", NUMBER),
        ("Combien de temps dure la visite ?", DURATION),
        ("Depuis combien d'années existe-t-il ?", DURATION),
        ("Quelle compagnie exploite la ligne ?", ORG),
        ("Quel dirigeant asiatique a invité Poutine ?", PERSON),
        ("Quelle est sa nationalité ?", None),
        ("Quel type de relation Kim veut-il bâtir ?", None),
        ("Que veut obtenir Pyongyang ?", None),
        ("Qu'est-ce qui inquiète la Russie ?", None),
        ("Pourquoi Pyongyang est-il sous sanctions ?", None),
        ("Comment Lavrov qualifie-t-il les relations ?", None),
        ("Le traité de Bosque", None),  # no question word (« que » inside a name is not one)
    ],
)
def test_expected_type(question, expected):
    assert expected_type(question) == expected


def test_wh_phrase_parts():
    w = wh_phrase("Combien de missiles la Corée du Nord a-t-elle tirés cette année ?")
    assert (w.wh, w.unit, w.text) == ("combien", "missiles", "Combien de missiles")
    w = wh_phrase("Combien y a-t-il d'espèces de mammifères sur l'île ?")
    assert w.unit == "espèces"
    w = wh_phrase("Avec qui se bat le gouvernement ?")
    assert (w.wh, w.preposition) == ("qui", "avec")
    assert wh_phrase("Qui est-ce que Lavrov a rencontré ?").subject_asked is False
    assert wh_phrase("Quelles sont les principales villes ?").head == "villes"
    assert wh_phrase("Lavrov est arrivé hier.") is None


def test_head_type_plural_and_accents():
    assert head_type("Entreprises") == ORG
    assert head_type("pays") == PLACE
    assert head_type("années") == DATE
    assert head_type("statut") is None


def test_bad_question_value():
    from qa.reading import analyze_question

    with pytest.raises(ValueError, match="string"):
        wh_phrase(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        analyze_question("   ")  # refused before any model is loaded


# ---------------------------------------------------------------- pattern entities, captions


def _spans(text):
    return [(e.text, e.type, e.unit) for e in rule_entities(text)]


def test_rule_entities():
    assert _spans("Lavrov est arrivé mercredi soir pour une visite de deux jours.") == [
        ("mercredi soir", DATE, None),
        ("deux jours", DURATION, "jours"),
    ]
    assert _spans("Les forces russes tirent 60.000 obus par jour.") == [("60.000 obus", NUMBER, "obus")]
    assert ("2,5 millions de dollars", NUMBER, "dollars") in _spans("Il a reçu 2,5 millions de dollars.")
    assert ("en juillet", DATE, None) in _spans("Un sous-marin a fait escale en juillet.")
    assert ("2018 habitants", NUMBER, "habitants") in _spans("Le village comptait 2018 habitants.")
    assert ("en 2018", DATE, None) in _spans("Le village comptait 200 habitants en 2018.")


def test_an_article_is_not_a_number():
    assert _spans("Le Nord a mené cette année une série record de tirs de missiles.") == []


def test_entities_offsets():
    text = "Le 18 octobre 2023, plus de 1 000 conteneurs sont partis, soit 29 % du total."
    for e in rule_entities(text):
        assert text[e.start : e.end] == e.text
    assert any(e.unit == "pourcentage" for e in rule_entities(text))


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("Sur cette photo fournie par le gouvernement nord-coréen, Lavrov serre la main de Choe Son Hui.", True),
        ("PHOTO AGENCE KCNA PAR REUTERS", True),
        ("Kim a reçu Lavrov jeudi. (AFP)", True),
        ("Le contenu de cette image a été fourni. (Korea News Service via AP)", True),
        ("Photo : Jean Dupont / AFP", True),
        ("(Pyongyang) Le dirigeant nord-coréen Kim Jong-un a déclaré jeudi qu’il souhaitait une relation.", False),
        ("Les forces russes tirent 60.000 obus par jour, selon les données ukrainiennes.", False),
    ],
)
def test_caption(text, caption):
    assert is_caption(text) is caption


def test_unit_key_matches_singular_and_plural():
    assert unit_key("missiles") == unit_key("missile")
    assert unit_key(None) is None


def test_lru_is_bounded():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)  # evicts b, the least recently used
    assert cache.get("b") is None and cache.get("a") == 1 and len(cache) == 2
    with pytest.raises(ValueError, match="maxsize"):
        LRU(0)


# ---------------------------------------------------------------- records validate their values


def test_records_name_bad_values():
    with pytest.raises(ValueError, match="entity type 'PER'"):
        Entity("Lavrov", 0, 6, "PER")
    with pytest.raises(ValueError, match="offsets"):
        Entity("Lavrov", 0, 5, PERSON)
    with pytest.raises(ValueError, match="expected type 'WHO'"):
        QuestionAnalysis("Qui ?", expected="WHO")
    with pytest.raises(ValueError, match="asked role 'agent'"):
        QuestionAnalysis("Qui ?", expected=PERSON, asked="agent")
    with pytest.raises(ValueError, match="how 'guess'"):
        TypedAnswer("Lavrov", 0, 6, PERSON, "guess")
    with pytest.raises(ValueError, match="role 'agent'"):
        Verb("dire", "dit", 0, 3).role("agent")


# ---------------------------------------------------------------- the typed answer on hand-made analyses

PREVIOUS = "“Nous apprécions votre soutien”, a dit M. Lavrov."
THANKS = "Il a notamment remercié Pyongyang pour sa reconnaissance de l’annexion, revendiquée par Moscou."
LAVROV = Entity("Lavrov", PREVIOUS.index("Lavrov"), PREVIOUS.index("Lavrov") + 6, PERSON)


def _entity(text: str, piece: str, kind: str, unit: str | None = None) -> Entity:
    at = text.index(piece)
    return Entity(piece, at, at + len(piece), kind, unit)


def _thanks_sentence(resolved: Entity | None = LAVROV) -> SentenceAnalysis:
    pyongyang = _entity(THANKS, "Pyongyang", PLACE)
    moscou = _entity(THANKS, "Moscou", PLACE)
    subject = Argument("Il", 0, 2, "Il", pronoun="il", resolved=resolved)
    obj = Argument("Pyongyang", pyongyang.start, pyongyang.end, "Pyongyang", entity=pyongyang)
    agent = Argument("par Moscou", moscou.start - 4, moscou.end, "Moscou", entity=moscou, preposition="par")
    verbs = (
        Verb("remercier", "remercié", 15, 23, subject=subject, object=obj, main=True),
        Verb(
            "revendiquer",
            "revendiquée",
            THANKS.index("revendiquée"),
            THANKS.index("revendiquée") + 11,
            passive=True,
            agent=agent,
        ),
    )
    return SentenceAnalysis(THANKS, entities=(pyongyang, moscou), verbs=verbs, terms=frozenset())


def _question(text: str, **kw) -> QuestionAnalysis:
    from index.french import analyze

    return QuestionAnalysis(text, terms=frozenset(analyze(text)), **kw)


def _who_thanked() -> QuestionAnalysis:
    """« Qui a remercié Pyongyang ? » as the question analysis reads it."""
    return _question(
        "Qui a remercié Pyongyang ?",
        expected=PERSON,
        wh="qui",
        focus="remercier",
        asked=SUBJECT,
        object="Pyongyang",
        entities=(Entity("Pyongyang", 15, 24, PLACE),),
    )


def test_subject_through_the_pronoun():
    q = _who_thanked()
    answer = typed_answer(q, _thanks_sentence())
    assert (answer.text, answer.how, answer.from_previous) == ("Lavrov", "pronoun", True)
    assert PREVIOUS[answer.start : answer.end] == "Lavrov"
    # without the sentence before, no person: never Moscou (a place, and not the focus verb's subject)
    assert typed_answer(q, _thanks_sentence(resolved=None)) is None


def test_object_slot_and_never_the_questions_own_entity():
    q = _question(
        "Qui Lavrov a-t-il remercié ?",
        expected=PERSON,
        wh="qui",
        focus="remercier",
        asked=OBJECT,
        subject="Lavrov",
        entities=(Entity("Lavrov", 4, 10, PERSON),),
    )
    answer = typed_answer(q, _thanks_sentence())
    assert (answer.text, answer.how) == ("Pyongyang", "slot")  # a place named as the one thanked
    assert held_by_question(q, LAVROV)
    assert not held_by_question(q, Entity("Pyongyang", 0, 9, PLACE))


def test_number_of_the_unit_or_nothing():
    q = _question(
        "Combien de missiles la Corée du Nord a-t-elle tirés ?",
        expected=NUMBER,
        wh="combien",
        unit="missile",
        focus="tirer",
        asked=OBJECT,
    )
    no_number = SentenceAnalysis("Le Nord a mené cette année une série record de tirs de missiles.")
    assert typed_answer(q, no_number) is None
    text = "Le Nord a tiré 3 roquettes et 12 missiles balistiques."
    counted = SentenceAnalysis(
        text,
        entities=(_entity(text, "3 roquettes", NUMBER, "roquettes"), _entity(text, "12 missiles", NUMBER, "missiles")),
    )
    answer = typed_answer(q, counted)
    assert (answer.text, answer.how) == ("12 missiles", "unit")


def test_no_expected_type_no_typed_answer():
    q = _question("Pourquoi Pyongyang est-il sous sanctions ?", expected=None, wh="pourquoi")
    assert typed_answer(q, _thanks_sentence()) is None


def test_features_names_and_ranges():
    q = _who_thanked()
    features = reading_features(q, _thanks_sentence())
    assert list(features) == list(FEATURES)
    assert all(0.0 <= v <= 1.0 for k, v in features.items() if k != "type_candidates")
    assert features["focus_verb_present"] == 1.0
    assert features["focus_slot_typed"] == 1.0
    assert features["answer_by_pronoun"] == 1.0
    assert features["named_args_match"] == 1.0
    none = reading_features(_question("Pourquoi ?", expected=None), SentenceAnalysis("Rien."))
    assert none["expected_known"] == 0.0 and none["answer_found"] == 0.0


def test_import_stays_light():
    modules = "qa, qa.reading, qa.reading.types, qa.reading.qtype, qa.reading.rules, qa.short"
    code = f"import {modules}\nimport sys\nprint('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- the real pipeline (slow)

CORPUS_PREVIOUS = (
    "“Nous apprécions grandement votre soutien de principe et sans ambiguïté aux actions de la Russie dans le "
    "cadre de l’opération militaire spéciale en Ukraine”, a dit M. Lavrov, cité par l’agence de presse russe Ria "
    "Novosti, reprenant le terme employé par la Russie pour désigner la guerre lancée en février 2022."
)
CORPUS_THANKS = (
    "Il a notamment remercié Pyongyang pour sa reconnaissance de l’annexion, revendiquée par Moscou en septembre "
    "2022, de quatre régions ukrainiennes occupées, la Corée du Nord étant le seul pays au monde à l’avoir fait."
)


@pytest.fixture(scope="module")
def spacy_model():
    pytest.importorskip("spacy")
    from qa.reading.nlp import model_name

    pytest.importorskip(model_name())
    return model_name()


@pytest.mark.slow
def test_pronoun_subject_is_lavrov(spacy_model):
    from qa.reading import analyze_question, analyze_sentences

    q = analyze_question("Qui a remercié Pyongyang pour sa reconnaissance de l’annexion ?")
    assert (q.expected, q.focus, q.asked, q.object) == (PERSON, "remercier", SUBJECT, "Pyongyang")
    [s] = analyze_sentences([CORPUS_THANKS], previous=[CORPUS_PREVIOUS])
    answer = typed_answer(q, s)
    assert (answer.text, answer.type, answer.how, answer.from_previous) == ("Lavrov", PERSON, "pronoun", True)
    assert CORPUS_PREVIOUS[answer.start : answer.end] == "Lavrov"
    assert s.previous == CORPUS_PREVIOUS


@pytest.mark.slow
def test_object_asked_gives_a_person(spacy_model):
    from qa.reading import analyze_question, analyze_sentences

    q = analyze_question("Qui Lavrov a-t-il rencontré à Pyongyang ?")
    assert (q.asked, q.subject, q.focus) == (OBJECT, "Lavrov", "rencontrer")
    assert [e.text for e in q.entities] == ["Lavrov", "Pyongyang"]
    sentence = (
        "Lors de son déplacement, Lavrov a également rencontré la ministre nord-coréenne des Affaires étrangères, "
        "Choe Son Hui."
    )
    [s] = analyze_sentences([sentence])
    answer = typed_answer(q, s)
    assert answer.text == "Choe Son Hui" and answer.type == PERSON


@pytest.mark.slow
def test_passive_question(spacy_model):
    from qa.reading import analyze_question

    q = analyze_question("Par qui Lavrov a-t-il été accueilli ?")
    assert (q.passive, q.asked, q.object, q.focus) == (True, SUBJECT, "Lavrov", "accueillir")


@pytest.mark.slow
def test_combien_without_a_number_is_none(spacy_model):
    from qa.reading import analyze_question, analyze_sentences

    q = analyze_question("Combien de missiles la Corée du Nord a-t-elle tirés cette année ?")
    assert (q.expected, q.unit) == (NUMBER, "missile")
    [s] = analyze_sentences(
        [
            "Le Nord a mené cette année une série record de tirs de missiles et a récemment "
            "inscrit son statut d’État nucléaire dans sa Constitution."
        ]
    )
    assert typed_answer(q, s) is None
    assert reading_features(q, s)["type_absent"] == 1.0
    [s] = analyze_sentences(["Les forces russes tirent 60.000 obus par jour, selon les données ukrainiennes."])
    answer = typed_answer(analyze_question("Combien d'obus l'armée russe tire-t-elle chaque jour ?"), s)
    assert (answer.text, answer.how) == ("60.000 obus", "unit")
    assert s.attribution is not None and s.attribution.preposition == "selon"


@pytest.mark.slow
def test_caption_is_marked_and_offsets_hold(spacy_model):
    from qa.reading import analyze_sentences

    caption = (
        "Sur cette photo fournie par le gouvernement nord-coréen, le ministre russe des Affaires étrangères Sergey "
        "Lavrov, à gauche, serre la main du ministre nord-coréen des Affaires étrangères Choe Son Hui à son arrivée "
        "à l'aéroport international de Pyongyang, en Corée du Nord, le mercredi 18 octobre 2023."
    )
    plain, marked = analyze_sentences([CORPUS_PREVIOUS, caption])
    assert marked.caption and not plain.caption
    for s in (plain, marked):
        for e in s.entities:
            assert s.text[e.start : e.end] == e.text
        for v in s.verbs:
            for arg in (v.subject, v.object, v.agent, *v.obliques):
                assert arg is None or s.text[arg.start : arg.end] == arg.text
    assert any(e.text == "mercredi 18 octobre 2023" and e.type == DATE for e in marked.entities)
    assert plain.attribution is not None and plain.attribution.entity.text == "Lavrov"


@pytest.mark.slow
def test_cached_and_validated(spacy_model):
    from qa.reading import analyze_sentences

    first = analyze_sentences([CORPUS_PREVIOUS])[0]
    assert analyze_sentences([CORPUS_PREVIOUS])[0] is first
    with pytest.raises(ValueError, match="previous has 2 sentences for 1 texts"):
        analyze_sentences([CORPUS_THANKS], previous=[None, None])
    with pytest.raises(ValueError, match="not one string"):
        analyze_sentences(CORPUS_THANKS)  # type: ignore[arg-type]


# ---------------------------------------------------------------- slot answers (questions expecting no type)

OBTAIN = "Pyongyang veut obtenir des équipements militaires russes et des technologies sophistiquées."


def _obtain_sentence() -> SentenceAnalysis:
    pyongyang = _entity(OBTAIN, "Pyongyang", PLACE)
    subject = Argument("Pyongyang", 0, 9, "Pyongyang", entity=pyongyang)
    phrase = "des équipements militaires russes et des technologies sophistiquées"
    at = OBTAIN.index(phrase)
    obj = Argument(phrase, at, at + len(phrase), "équipements")
    verb = Verb("obtenir", "obtenir", OBTAIN.index("obtenir"), OBTAIN.index("obtenir") + 7, subject=subject, object=obj)
    return SentenceAnalysis(OBTAIN, entities=(pyongyang,), verbs=(verb,))


def test_slot_answer_que_asks_the_object():
    from qa.reading.slots import slot_answer

    q = _question(
        "Que veut obtenir Pyongyang ?", expected=None, wh="que", focus="obtenir", asked=OBJECT, subject="Pyongyang"
    )
    s = _obtain_sentence()
    answer = slot_answer(q, s)
    assert (answer.text, answer.how) == ("des équipements militaires russes et des technologies sophistiquées", "slot")
    assert s.text[answer.start : answer.end] == answer.text
    # « qu'est ce qui » (no hyphen) asks the subject, which the question names here: no answer from its own words
    q = _question("Qu'est ce qui veut obtenir Pyongyang ?", expected=None, wh="que", focus="obtenir", asked=OBJECT)
    assert slot_answer(q, s) is None
    # a question expecting a type is typed_answer's
    assert slot_answer(_question("Qui veut obtenir … ?", expected=PERSON, wh="qui", focus="obtenir"), s) is None


def test_slot_answer_oblique_drops_its_preposition():
    from qa.reading.slots import slot_answer

    text = "À l'usine, les revendications sociales portent sur les salaires."
    at = text.index("sur les salaires")
    obl = Argument("sur les salaires", at, at + 16, "salaires", preposition="sur")
    verb = Verb("porter", "portent", text.index("portent"), text.index("portent") + 7, obliques=(obl,))
    q = _question(
        "Sur quoi portent les revendications sociales ?",
        expected=None,
        wh="quoi",
        focus="porter",
        asked="oblique",
        preposition="sur",
    )
    answer = slot_answer(q, SentenceAnalysis(text, verbs=(verb,)))
    assert answer.text == "les salaires" and text[answer.start : answer.end] == answer.text


def test_slot_answer_description_for_quel_noun():
    from qa.reading.slots import slot_answer
    from qa.reading.types import Description

    text = "Le député Albert Le Bail est mort en 1952."
    name = _entity(text, "Albert Le Bail", PERSON)
    s = SentenceAnalysis(text, entities=(name,), descriptions=(Description(name, "Le député", 0, 9),))
    q = _question(
        "Quelle fonction politique occupait Albert Le Bail ?",
        expected=None,
        wh="quel",
        head="fonction",
        focus="occuper",
        entities=(name,),
    )
    answer = slot_answer(q, s)
    assert (answer.text, answer.how) == ("Le député", "description")
    # « A quel projet X a participé ? » asks no description of X
    q2 = _question(
        "A quel projet Albert Le Bail a participé ?",
        expected=None,
        wh="quel",
        head="projet",
        focus="participer",
        entities=(name,),
    )
    assert slot_answer(q2, s) is None


@pytest.mark.parametrize(
    ("question", "wh", "focus", "text", "expected"),
    [
        (
            "Pourquoi le lac fut-il creusé ?",
            "pourquoi",
            "creuser",
            "Le lac fut creusé pour alimenter la ville en eau, en 1820.",
            "pour alimenter la ville en eau",
        ),
        (
            "Pourquoi les éditeurs vendent-ils des succès ?",
            "pourquoi",
            "vendre",
            "Les éditeurs vendent des succès car ils assurent leur survie financière.",
            "car ils assurent leur survie financière",
        ),
        (
            "Comment les animaux vivent-ils mieux ?",
            "comment",
            "vivre",
            "Les animaux vivent mieux en réduisant l'apport calorique.",
            "en réduisant l'apport calorique",
        ),
        (
            "Comment l'Australie a-t-elle réchappé de la crise ?",
            "comment",
            "réchapper",
            "L'Australie a réchappé de la crise grâce à de bonnes politiques, dit-il.",
            "grâce à de bonnes politiques",
        ),
        ("Comment s'appelle le derby ?", "comment", "appeler", "Le derby est joué par les clubs de Milan.", None),
        ("Comment vivent-ils ?", "comment", "vivre", "Ils vivent par exemple à Paris.", None),
    ],
)
def test_slot_answer_reason_and_manner(question, wh, focus, text, expected):
    from qa.reading.slots import slot_answer

    answer = slot_answer(_question(question, expected=None, wh=wh, focus=focus), SentenceAnalysis(text))
    assert (answer.text if answer else None) == expected
    if answer:
        assert text[answer.start : answer.end] == answer.text and answer.how in ("reason", "manner")


@pytest.mark.slow
def test_slot_answer_real_model(spacy_model):
    from qa.reading import analyze_question, analyze_sentences
    from qa.reading.slots import slot_answer

    [s] = analyze_sentences(["Depuis 1925, le Canada réclame la portion de l'Arctique située au nord."])
    answer = slot_answer(analyze_question("Que réclame le Canada ?"), s)
    assert answer is not None and answer.text.startswith("la portion de l'Arctique")
    assert s.text[answer.start : answer.end] == answer.text


# ---------------------------------------------------------------- place questions: the preposition, seats of power
SHIPPED = "Les conteneurs ont été expédiés par la Maison Blanche de Najin vers Dunay en 2023."


def _shipped_sentence() -> SentenceAnalysis:
    najin, dunay = _entity(SHIPPED, "Najin", PLACE), _entity(SHIPPED, "Dunay", PLACE)
    seat = _entity(SHIPPED, "Maison Blanche", PLACE)
    date = _entity(SHIPPED, "2023", "DATE")
    at = SHIPPED.index("expédiés")
    obliques = (
        Argument("en 2023", date.start - 3, date.end, "2023", preposition="en"),
        Argument("de Najin", najin.start - 3, najin.end, "Najin", entity=najin, preposition="de"),
        Argument("vers Dunay", dunay.start - 5, dunay.end, "Dunay", entity=dunay, preposition="vers"),
    )
    verbs = (Verb("expédier", "expédiés", at, at + 8, passive=True, obliques=obliques, main=True),)
    return SentenceAnalysis(SHIPPED, entities=(seat, najin, date, dunay), verbs=verbs)


@pytest.mark.parametrize(
    ("question", "focus", "expected"),
    [
        ("Vers quel port les conteneurs ont-ils été expédiés ?", "expédier", "Dunay"),
        ("D'où les conteneurs ont-ils été expédiés ?", "expédier", "Najin"),
        ("Par quel port les conteneurs sont-ils partis ?", "partir", "Najin"),  # no focus verb: the candidates
        ("Où les conteneurs ont-ils été expédiés ?", "expédier", "Dunay"),  # a locative, never « en 2023 »
    ],
)
def test_place_after_the_questions_preposition(question, focus, expected):
    q = _question(question, expected=PLACE, wh="où" if "où" in question.lower() else "quel", focus=focus)
    answer = typed_answer(q, _shipped_sentence())
    assert answer is not None and answer.text == expected
    assert SHIPPED[answer.start : answer.end] == expected


def test_place_helpers():
    from qa.reading.places import governing, is_seat, normal_preposition, place_prepositions

    text = "expédié par voie maritime depuis le port de Najin jusqu'à Dunay, au Kremlin"
    assert governing(text, text.index("Najin")) == "depuis"
    assert governing(text, text.index("Dunay")) == "jusqu"
    assert governing(text, text.index("Kremlin")) == "à"
    assert is_seat("le Kremlin") and is_seat("Maison Blanche") and not is_seat("Wonsan")
    assert normal_preposition("d’") == "de" and normal_preposition("aux") == "à"
    assert "vers" in place_prepositions("vers") and "de" not in place_prepositions(None)


def test_where_never_a_seat_of_power_nor_a_date_phrase():
    text = "En 2023, Lavrov a parlé à la Maison Blanche."
    seat = _entity(text, "Maison Blanche", PLACE)
    date = _entity(text, "2023", "DATE")
    verb = Verb(
        "parler",
        "parlé",
        text.index("parlé"),
        text.index("parlé") + 5,
        obliques=(
            Argument("En 2023", 0, 7, "2023", preposition="en"),
            Argument("à la Maison Blanche", seat.start - 5, seat.end, "Blanche", entity=seat, preposition="à"),
        ),
        main=True,
    )
    q = _question("Où Lavrov a-t-il parlé ?", expected=PLACE, wh="où", focus="parler")
    assert typed_answer(q, SentenceAnalysis(text, entities=(date, seat), verbs=(verb,))) is None


@pytest.mark.slow
def test_place_preposition_real_model(spacy_model):
    from qa.reading import analyze_question, analyze_sentences

    [s] = analyze_sentences(["Le matériel a été expédié par voie maritime de Najin vers le port russe de Dunay."])
    answer = typed_answer(analyze_question("Vers quel port russe le matériel a-t-il été expédié ?"), s)
    assert answer is not None and answer.text == "Dunay"
