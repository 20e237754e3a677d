"""SQuAD metrics with the French normalisation."""

from __future__ import annotations

import pytest

from qa.metrics import contains_answer, exact_match, f1_score, normalize_answer, reciprocal_rank


def test_normalisation_folds_case_accents_punctuation_and_articles():
    assert normalize_answer("L’Élysée") == "elysee"
    assert normalize_answer("d'Orléans, la ville !") == "orleans ville"
    assert normalize_answer("des   Nations unies") == "nations unies"


def test_exact_match_takes_the_best_reference():
    assert exact_match("la Corée du Nord", ["Moscou", "Corée du Nord"]) == 1.0
    assert exact_match("Corée", ["Corée du Nord"]) == 0.0


def test_token_f1_against_the_best_reference():
    assert f1_score("18 octobre 2023", ["le 18 octobre"]) == pytest.approx(0.8)
    assert f1_score("Moscou", ["Washington"]) == 0.0
    assert f1_score("", ["x"]) == 0.0


def test_an_answer_is_contained_as_whole_tokens_only():
    sentence = "Le Kremlin a démenti les accusations de Washington."
    assert contains_answer(sentence, ["le kremlin"])
    assert contains_answer(sentence, ["Washington"])
    assert not contains_answer(sentence, ["Washing"])
    assert not contains_answer(sentence, [""])


def test_reciprocal_rank():
    assert reciprocal_rank(None) == 0.0 and reciprocal_rank(4) == 0.25
