"""The assistant end to end on the bundled corpus, with the real model and a real FAISS index."""

from __future__ import annotations

import json

import pytest

from index.french import fold
from qa.question import QuestionError
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

NEWS = [json.loads(line) for line in (ROOT / "eval" / "news-questions.jsonl").read_text(encoding="utf-8").splitlines()]
ANSWERABLE = [q for q in NEWS if q["answers"]]
UNANSWERABLE = [q for q in NEWS if not q["answers"]]


def check_offsets(answer, store) -> None:
    """The offsets contract: every quoted text is the article's text at its offsets."""
    if answer.span:
        s = answer.span
        assert store.article_by_id[s.doc_id].text[s.start : s.end] == s.text
        if s.short is not None:
            assert store.article_by_id[s.doc_id].text[s.short_start : s.short_end] == s.short
    for c in answer.citations:
        p = c.passage
        assert store.article_by_id[p.doc_id].text[p.start : p.end] == p.text
        if c.highlight:
            a, b = c.highlight
            assert 0 <= a < b <= len(p.text)
            if answer.span and p.doc_id == answer.span.doc_id and c.rank == 1:
                assert p.text[a:b] == answer.span.text


def test_who_denied_the_deliveries_is_answered_with_the_denial(assistant):
    answer = assistant.ask("Qui a nié les livraisons ?")
    assert not answer.abstained
    text = fold(answer.text)
    assert any(word in text for word in ("dementi", "objecte", "denonce", "sans preuve", "aucune preuve"))
    cited = answer.citations[0]
    assert cited.supports_answer and cited.highlighted_text == answer.span.text
    assert answer.span.text in assistant.retriever.store.article_by_id[answer.span.doc_id].text


@pytest.mark.parametrize("item", NEWS, ids=[q["id"] for q in NEWS])
def test_offsets_contract_holds_on_every_answer(assistant, item):
    check_offsets(assistant.ask(item["question"]), assistant.retriever.store)


def test_weather_question_abstains_and_still_shows_passages(assistant):
    answer = assistant.ask("Quel temps fera-t-il demain à Paris ?")
    assert answer.abstained and answer.span is None
    assert len(answer.citations) == 5 and all(c.highlight is None for c in answer.citations)
    assert answer.to_dict()["answer"] is None and answer.to_dict()["message"]


def test_most_answerable_news_questions_are_answered(assistant):
    answered = sum(not assistant.ask(q["question"]).abstained for q in ANSWERABLE)
    assert answered >= 0.85 * len(ANSWERABLE)


def test_unanswerable_news_questions_abstain(assistant):
    for item in UNANSWERABLE:
        assert assistant.ask(item["question"]).abstained, item["question"]


def test_answer_json_follows_the_design(assistant):
    data = assistant.ask("Combien d'obus l'armée russe tire-t-elle chaque jour ?").to_dict()
    assert set(data) >= {"question", "abstained", "answer", "citations"}
    assert set(data["answer"]) >= {"text", "short", "doc_id", "start", "end", "score"}
    assert set(data["citations"][0]) >= {"rank", "doc_id", "title", "text", "start", "end", "score", "highlight"}
    assert "60.000 obus" in data["answer"]["text"]


def test_follow_up_uses_the_previous_turn(assistant):
    first = assistant.ask("Qui a nié les livraisons ?")
    follow = assistant.ask("Et pourquoi ?", history=[first])
    assert follow.understood_question != follow.question
    assert "livraisons" in follow.understood_question


def test_who_else_denied_gives_another_denial_than_the_first_answer(assistant):
    first = assistant.ask("Qui a nié les livraisons ?")
    other = assistant.ask("Qui d’autre l’a démenti ?", history=[first])
    assert not other.abstained
    assert fold(other.text) != fold(first.text)
    assert any(word in fold(other.text) for word in ("dementi", "objecte", "denonce", "sans preuve", "aucune preuve"))


def test_bare_follow_up_is_answered_from_the_previous_answer(assistant):
    first = assistant.ask("Qui a nié les livraisons ?")
    follow = assistant.ask("Pourquoi ?", history=[first])
    assert not follow.abstained and follow.citations[0].supports_answer


def test_bad_questions_raise_a_clear_error(assistant):
    for bad in ("", "   ", "x" * 100_000):
        with pytest.raises(QuestionError):
            assistant.ask(bad)


def test_control_characters_do_not_break_answers(assistant):
    assert not assistant.ask("Qui a\x00 nié\x1b les livraisons ?").abstained


def test_retriever_search_returns_ranked_passages(assistant):
    passages = assistant.retriever.search("livraisons d'armes nord-coréennes à la Russie", k=3)
    assert [p.rank for p in passages] == [1, 2, 3]
    assert passages[0].score >= passages[1].score >= passages[2].score
    assert all(p.title for p in passages)


def test_search_rejects_bad_k(assistant):
    with pytest.raises(ValueError, match="k must be between 1 and 100, got 0"):
        assistant.retriever.search("Lavrov", k=0)


def test_every_citation_shows_the_cosine_similarity_of_its_passage(assistant):
    answer = assistant.ask("Combien d'obus l'armée russe tire-t-elle chaque jour ?")
    sims = [c.passage.similarity for c in answer.citations]
    assert all(s is not None and -1.0 <= s <= 1.0 for s in sims), sims
    assert answer.to_dict()["citations"][0]["similarity"] == round(sims[0], 6)
