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


def _twin_articles(tmp_path, fake_encoder):
    from index.article import Article
    from index.store import Store
    from index.writer import build_index
    from qa.retriever import Retriever

    sentence = "Il a été témoin de miracles à Görlitz."
    articles = [Article(doc_id="bohme", title="Jakob Böhme", text=sentence),
                Article(doc_id="paul", title="Saint-Paul", text=sentence)]  # fmt: skip
    build_index(articles, tmp_path / "index", encoder=fake_encoder, progress=False)
    return Retriever(Store.load(tmp_path / "index"), fake_encoder)


@pytest.mark.parametrize(("weight", "winner"), [(1.0, "bohme"), (0.0, "paul")])
def test_among_equal_sentences_the_one_of_the_passage_closest_to_the_question_wins(
    tmp_path, fake_encoder, weight, winner
):
    from qa.extract import Extractor

    retriever = _twin_articles(tmp_path, fake_encoder)
    ids = {retriever.store.chunk(i).doc_id: i for i in range(2)}
    passages = [retriever.passage(ids["paul"], score=1.0, rank=1, similarity=0.1),
                retriever.passage(ids["bohme"], score=0.9, rank=2, similarity=0.9)]  # fmt: skip
    extractor = Extractor(retriever.store, weights=ScoringWeights(passage_similarity=weight))
    question = "Qui a été témoin de miracles ?"
    candidates = extractor.candidates(question, fake_encoder.encode_queries([question])[0], passages)
    assert candidates[0].doc_id == winner
    assert {c.doc_id: c.passage_similarity for c in candidates} == pytest.approx({"paul": 0.1, "bohme": 0.9})


def test_without_a_retriever_similarity_a_passage_counts_its_best_sentence(tmp_path, fake_encoder):
    from qa.extract import Extractor

    retriever = _twin_articles(tmp_path, fake_encoder)
    passage = retriever.passage(0, score=1.0, rank=1, similarity=None)  # lexical retrieval has no cosine
    question = "Qui a été témoin de miracles ?"
    vector = fake_encoder.encode_queries([question])[0]
    (candidate,) = Extractor(retriever.store).candidates(question, vector, [passage])
    assert candidate.passage_similarity == pytest.approx(candidate.dense)
