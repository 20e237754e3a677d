"""The assistant's own logic, fast: citations and their highlights, abstention below the confidence threshold,
follow-up questions, its settings and its articles. A small index made with the bag-of-words FakeEncoder
(the real model's answers: test_assistant.py, slow)."""

from __future__ import annotations

import math

import pytest

from qa.assistant import Assistant, answered_spans
from qa.retriever import Retriever
from qa.settings import DEFAULT_K, MAX_K
from qa.types import NO_ANSWER_MESSAGE
from tests.fake_news import ARTICLES, DENIAL, HEAT, KREMLIN, WHO_DENIED, article_text, fake_retriever


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> Retriever:
    return fake_retriever(tmp_path_factory.mktemp("logic") / "index")


@pytest.fixture(scope="module")
def assistant(retriever) -> Assistant:
    return Assistant(retriever, threshold=0.0, reader=False)  # the fake vectors' confidences are low


def test_the_answer_is_a_sentence_of_an_article_at_its_offsets(assistant):
    answer = assistant.ask(WHO_DENIED)
    assert not answer.abstained and answer.text == DENIAL
    span = answer.span
    assert article_text(span.doc_id)[span.start : span.end] == span.text


def test_every_citation_is_its_article_s_text_at_its_offsets_ranked_in_order(assistant):
    answer = assistant.ask(WHO_DENIED)
    assert [c.rank for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        p = c.passage
        assert article_text(p.doc_id)[p.start : p.end] == p.text


def test_the_articles_that_say_the_answer_are_cited_first_with_it_highlighted(assistant):
    answer = assistant.ask(WHO_DENIED)
    first, second, *others = answer.citations
    assert {first.passage.doc_id, second.passage.doc_id} == {"pyongyang", "reprise"}
    assert set(answer.supporting_articles) == {"pyongyang", "reprise"}
    for c in (first, second):
        assert c.supports_answer and c.highlighted_text == DENIAL
    assert others and all(c.highlight is None and not c.supports_answer for c in others)


def test_the_number_of_citations_follows_k(assistant):
    assert len(assistant.ask(WHO_DENIED, k=3).citations) == 3
    assert len(assistant.ask(HEAT, k=1).citations) == 1


def test_it_abstains_exactly_when_the_confidence_is_below_the_threshold(retriever):
    confidence = Assistant(retriever, threshold=0.0, reader=False).ask(WHO_DENIED).span.confidence
    at = Assistant(retriever, threshold=confidence, reader=False).ask(WHO_DENIED)
    above = Assistant(retriever, threshold=math.nextafter(confidence, 1.0), reader=False).ask(WHO_DENIED)
    assert not at.abstained and at.text == DENIAL
    assert above.abstained and above.span is None


def test_an_abstention_says_so_and_still_cites_the_closest_passages(retriever):
    answer = Assistant(retriever, threshold=1.0, reader=False).ask(WHO_DENIED)
    assert answer.abstained and answer.text == NO_ANSWER_MESSAGE == answer.message
    assert len(answer.citations) == min(DEFAULT_K, len(ARTICLES))
    assert all(c.highlight is None and not c.supports_answer for c in answer.citations)
    assert answer.to_dict()["answer"] is None


def test_a_follow_up_is_understood_with_the_previous_question(assistant):
    first = assistant.ask(WHO_DENIED)
    follow = assistant.ask("Et pourquoi ?", history=[first])
    assert follow.question == "Et pourquoi ?"
    assert "démenti" in follow.understood_question and "livraisons" in follow.understood_question
    assert follow.span.doc_id in first.supporting_articles  # the articles of the previous answer are favoured


def test_a_question_that_stands_alone_is_not_rewritten(assistant):
    first = assistant.ask(WHO_DENIED)
    other = assistant.ask("Quelle température dans la vallée du Rhône ?", history=[first])
    assert other.understood_question == other.question and other.text == HEAT


def test_who_else_gives_another_answer_than_the_previous_one(assistant):
    first = assistant.ask(WHO_DENIED)
    other = assistant.ask("Qui d'autre les a démenties ?", history=[first])
    assert not other.abstained and other.text == KREMLIN


def test_answered_spans_are_the_answer_in_every_article_that_says_it(assistant):
    answer = assistant.ask(WHO_DENIED)
    spans = answered_spans(answer)
    assert {doc for doc, _, _ in spans} == {"pyongyang", "reprise"}
    assert all(article_text(doc)[a:b] == DENIAL for doc, a, b in spans)


def test_short_answers_can_be_turned_off(retriever, assistant):
    assert assistant.ask(WHO_DENIED).span.short is not None
    plain = Assistant(retriever, threshold=0.0, reader=False, short_answers=False).ask(WHO_DENIED)
    assert plain.text == DENIAL and plain.span.short is None and plain.span.short_start is None


@pytest.mark.parametrize("k", [0, MAX_K + 1])
def test_k_outside_the_limits_is_refused(retriever, assistant, k):
    with pytest.raises(ValueError, match=f"k must be between 1 and {MAX_K}, got {k}"):
        Assistant(retriever, k=k, reader=False)
    with pytest.raises(ValueError, match=f"between 1 and {MAX_K}"):
        assistant.ask(WHO_DENIED, k=k)


def test_the_articles_are_read_through_the_assistant(assistant):
    assert assistant.article_count == len(ARTICLES)
    assert set(assistant.articles) == {a.doc_id for a in ARTICLES}
    assert assistant.article("canicule").title == "La canicule en France"
    assert assistant.articles["pyongyang"].text == article_text("pyongyang")
    with pytest.raises(KeyError):
        assistant.article("absent")
