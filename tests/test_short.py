"""Short answers: the span inside the answer sentence, with exact offsets."""

from __future__ import annotations

import pytest

from qa.short import question_kind, short_answer, thing_target

TEXT = (
    "Intro. Sergueï Lavrov est arrivé le 18 octobre 2023 à Pyongyang. "
    "L'armée russe tire environ 60.000 obus par jour. Le traité a été signé par Vladimir Poutine."
)


def sentence(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)
    return start, start + len(fragment)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Quand Lavrov est-il arrivé ?", "date"),
        ("En quelle année le traité a-t-il été signé ?", "date"),
        ("Combien d'obus sont tirés ?", "number"),
        ("Où Lavrov est-il arrivé ?", "place"),
        ("Qui a signé le traité ?", "person"),
        ("Quel pays Lavrov visite-t-il ?", "place"),
        ("Quelle est la capitale ?", "thing"),
        ("Pourquoi Lavrov est-il venu ?", None),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "fragment", "expected"),
    [
        (
            "Quand Lavrov est-il arrivé ?",
            "Sergueï Lavrov est arrivé le 18 octobre 2023 à Pyongyang.",
            "18 octobre 2023",
        ),
        ("Où Lavrov est-il arrivé ?", "Sergueï Lavrov est arrivé le 18 octobre 2023 à Pyongyang.", "Pyongyang"),
        (
            "Combien d'obus l'armée tire-t-elle ?",
            "L'armée russe tire environ 60.000 obus par jour.",
            "environ 60.000 obus",
        ),
        ("Qui a signé le traité ?", "Le traité a été signé par Vladimir Poutine.", "Vladimir Poutine"),
    ],
)
def test_short_answer_has_exact_offsets(question, fragment, expected):
    start, end = sentence(fragment)
    short = short_answer(question, TEXT, start, end)
    assert short is not None and short.text == expected
    assert TEXT[short.start : short.end] == short.text
    assert start <= short.start < short.end <= end


def test_the_question_s_own_words_are_not_its_answer():
    start, end = sentence("Le traité a été signé par Vladimir Poutine.")
    assert short_answer("Qui est Vladimir Poutine ?", TEXT, start, end) is None


def test_why_questions_get_no_short_answer():
    start, end = sentence("L'armée russe tire environ 60.000 obus par jour.")
    assert short_answer("Pourquoi l'armée tire-t-elle ?", TEXT, start, end) is None


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("Quel est le nom du navire ?", "name"),
        ("Quels clubs ont été promus ?", "name"),
        ("Par quel port les conteneurs sont-ils partis ?", "name"),
        ("Quel est le score final ?", "number"),
        ("Quel statut a le commerce ?", None),
        ("Dans quel type de famille a-t-il grandi ?", None),
    ],
)
def test_a_quel_question_s_head_noun_says_what_answers_it(question, target):
    assert thing_target(question) == target


def test_a_quel_question_asking_for_a_description_gets_no_short_answer():
    start, end = sentence("Le traité a été signé par Vladimir Poutine.")
    assert short_answer("Quel statut a le traité ?", TEXT, start, end) is None


def test_a_quel_question_asking_for_a_name_gets_a_name():
    start, end = sentence("Le traité a été signé par Vladimir Poutine.")
    short = short_answer("Quel dirigeant a signé le traité ?", TEXT, start, end)
    assert short is not None and short.text == "Vladimir Poutine"


def test_a_number_keeps_its_whole_unit():
    text = "La Russie vise 2,5 millions d’obus par an."
    short = short_answer("Combien d’obus la Russie vise-t-elle ?", text, 0, len(text))
    assert short is not None and short.text.startswith("2,5 millions")


def test_a_weekday_opening_the_sentence_is_not_a_name():
    text = "Mardi, le président Vo Van Thuong a invité Poutine."
    short = short_answer("Qui a invité Poutine ?", text, 0, len(text))
    assert short is not None and short.text == "Vo Van Thuong"


def test_the_agent_of_a_passive_verb_answers_a_qui_question():
    text = "Selon Sergueï Lavrov, venu avec une délégation nombreuse, le traité a été signé par Vladimir Poutine."
    short = short_answer("Qui a signé le traité ?", text, 0, len(text))
    assert short is not None and short.text == "Vladimir Poutine"


def test_the_number_among_the_question_s_words_wins():
    text = "Le dépôt, à 180 miles de Moscou, se trouve à environ 290 kilomètres de la frontière ukrainienne."
    short = short_answer("À quelle distance de la frontière ukrainienne se trouve le dépôt ?", text, 0, len(text))
    assert short is not None and short.text == "environ 290 kilomètres"


def test_candidates_carry_every_weighted_feature():
    from qa.short import PICK_WEIGHTS, span_candidates

    found = span_candidates("Qui a signé le traité ?", "Le traité a été signé par Vladimir Poutine.")
    assert found and all(set(c.features) == set(PICK_WEIGHTS) for c in found)


def test_no_candidates_for_a_why_question():
    from qa.short import span_candidates

    assert span_candidates("Pourquoi le traité a-t-il été signé ?", "Le traité a été signé par Vladimir Poutine.") == []
