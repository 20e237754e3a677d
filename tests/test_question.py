"""Bad questions get a clear message, never a crash."""

from __future__ import annotations

import pytest

from qa.question import MAX_QUESTION_CHARS, QuestionError, clean_question


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\u200b\u200b"])
def test_empty_questions_are_rejected(question):
    with pytest.raises(QuestionError, match="vide"):
        clean_question(question)


def test_a_100_kb_question_is_rejected_with_its_length():
    with pytest.raises(QuestionError, match=r"trop longue \(100000 caractères, 1000 au plus\)"):
        clean_question("a" * 100_000)


def test_control_characters_are_removed():
    assert clean_question("Qui\x00 a\x07 nié\x1b les livraisons ?") == "Qui a nié les livraisons ?"


def test_white_space_is_folded_and_nfc_applied():
    assert clean_question("  Qui a nie\u0301\n les  livraisons ?\u00a0") == "Qui a nié les livraisons ?"


def test_punctuation_only_is_rejected():
    with pytest.raises(QuestionError, match="aucun mot"):
        clean_question("?!…")


def test_non_text_is_rejected():
    with pytest.raises(QuestionError, match="doit être un texte"):
        clean_question(None)


def test_a_question_at_the_limit_is_accepted():
    assert len(clean_question("é" * MAX_QUESTION_CHARS)) == MAX_QUESTION_CHARS
