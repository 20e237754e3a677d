"""The extractor's pure parts: the verb of « qui » questions, occlusion, weights."""

from __future__ import annotations

import pytest

from qa.extract import ScoringWeights, occlude, question_verb


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Qui a nié les livraisons ?", "nié"),
        ("Qui l’a démenti ?", "démenti"),
        ("qui l'a démenti ?", "démenti"),
        ("Qui ont signé l’accord ?", "signé"),
        ("Qu’est-ce qui a été livré ?", "livré"),
        ("Qui avait déjà invité Poutine ?", "invité"),
        ("Qui d’autre l’a démenti ?", "démenti"),
    ],
)
def test_the_verb_of_a_qui_question_is_found(question, verb):
    assert question_verb(question) == verb


@pytest.mark.parametrize(
    "question",
    ["Qui est Kim Jong-un ?", "Qui est le ministre ?", "Quand a-t-il nié ?", "Où est Pyongyang ?", "Pourquoi ?"],
)
def test_questions_without_a_qui_verb_have_none(question):
    assert question_verb(question) is None


def test_occlusion_removes_whole_words_only():
    assert occlude("Qui a nié les livraisons niées ?", "nié") == "Qui a les livraisons niées ?"


def test_negative_weights_are_refused():
    with pytest.raises(ValueError, match="coverage"):
        ScoringWeights(coverage=-1)
