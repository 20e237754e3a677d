"""Follow-up questions carry the previous turn's key words and favour its articles."""

from __future__ import annotations

import pytest

from qa.followup import asks_for_another, is_follow_up, key_words, rewrite
from qa.types import Answer, AnswerSpan, Citation, Passage


def previous_answer(question: str = "Qui a nié les livraisons ?") -> Answer:
    passage = Passage(doc_id="002", title="t", text="Les allégations ont été démenties.", start=0, end=34, score=0.9)
    span = AnswerSpan(text=passage.text, doc_id="002", start=0, end=34, score=0.9)
    return Answer(question=question, span=span, citations=(Citation(1, passage, (0, 34), True),))


def test_short_and_anaphoric_questions_are_follow_ups():
    assert is_follow_up("Et quand ?")
    assert is_follow_up("Pourquoi ?")
    assert is_follow_up("Qui d’autre l’a démenti ?")


def test_self_contained_questions_are_not_follow_ups():
    assert not is_follow_up("Combien de conteneurs la Corée du Nord a-t-elle livrés à la Russie ?")


def test_key_words_keep_the_written_form():
    assert key_words("Qui a nié les livraisons d’armes ?") == ["nié", "livraisons", "armes"]


def test_a_bare_follow_up_carries_the_previous_question_and_answer_key_words():
    understood, docs = rewrite("Et quand ?", [previous_answer()])
    assert understood == "Et quand (nié livraisons allégations démenties) ?"
    assert docs == ("002",)


def test_a_follow_up_with_its_own_words_carries_only_the_previous_question():
    understood, _ = rewrite("Et la Corée du Nord ?", [previous_answer()])
    assert understood == "Et la Corée du Nord (nié livraisons) ?"


def test_asking_for_another_answer_does_not_carry_the_previous_one():
    understood, _ = rewrite("Qui d’autre ?", [previous_answer()])
    assert understood == "Qui d’autre (nié livraisons) ?"


@pytest.mark.parametrize(
    ("question", "another"),
    [("Qui d’autre l’a démenti ?", True), ("Quels autres pays ?", True), ("Qui encore ?", True), ("Et quand ?", False)],
)
def test_questions_asking_for_another_answer_are_recognised(question, another):
    assert asks_for_another(question) is another


def test_no_history_means_no_rewrite():
    assert rewrite("Et quand ?", None) == ("Et quand ?", ())


def test_a_new_topic_is_not_rewritten():
    question = "Combien de conteneurs ont été livrés à la Russie ?"
    assert rewrite(question, [previous_answer()]) == (question, ())
