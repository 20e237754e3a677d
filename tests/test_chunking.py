"""Chunking: exact offsets, sizes within bounds, validation of settings."""

from __future__ import annotations

import pytest

from index.article import Article, load_corpus
from index.chunking import Chunker, ChunkingSettings, chunk_title, indexed_text
from tests.conftest import CORPUS


def test_every_chunk_is_its_article_text_at_its_offsets():
    chunker = Chunker()
    for article in load_corpus(CORPUS):
        for chunk in chunker.split(article):
            assert article.text[chunk.start : chunk.end] == chunk.text


def test_chunks_respect_the_size_and_cover_the_article():
    settings = ChunkingSettings(chunk_size=300, chunk_overlap=50)
    for article in load_corpus(CORPUS):
        chunks = Chunker(settings).split(article)
        assert all(len(c.text) <= 300 for c in chunks)
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        assert all(i in covered for i, ch in enumerate(article.text) if not ch.isspace())


def test_chunks_prefer_sentence_ends():
    text = " ".join(f"Phrase numéro {i} du texte, avec quelques mots de plus pour la longueur." for i in range(40))
    chunks = Chunker(ChunkingSettings(chunk_size=200, chunk_overlap=0)).split(Article(doc_id="a", text=text))
    assert all(c.text.endswith(".") for c in chunks[:-1])


def test_typographic_french_text_keeps_exact_offsets():
    text = "M.\u00a0Lavrov a dit\u202f: « C’est l’heure. »\n\nQu’en pense-t-on ? Jusqu’à 60.000 personnes… " * 20
    article = Article(doc_id="fr", text=text)
    for chunk in Chunker(ChunkingSettings(chunk_size=120, chunk_overlap=30)).split(article):
        assert text[chunk.start : chunk.end] == chunk.text


@pytest.mark.parametrize(("size", "overlap"), [(10, 0), (200, 200), (200, -1)])
def test_invalid_chunking_settings_are_rejected(size, overlap):
    with pytest.raises(ValueError, match="chunk_"):
        ChunkingSettings(chunk_size=size, chunk_overlap=overlap)


def test_the_indexed_text_is_the_title_on_a_line_before_the_chunk():
    assert indexed_text("Il a été témoin de miracles.", "Jakob  Böhme\n") == "Jakob Böhme\nIl a été témoin de miracles."


@pytest.mark.parametrize("title", [None, "", "  \n"])
def test_an_article_without_title_indexes_its_chunk_alone(title):
    assert indexed_text("Le texte.", title) == "Le texte."


def test_titles_can_be_left_out_of_the_indexed_text():
    assert indexed_text("Le texte.", "Le titre", titles=False) == "Le texte."


def test_settings_from_a_manifest_made_before_titles_keep_chunks_alone():
    old = ChunkingSettings.from_manifest({"splitter": "RecursiveCharacterTextSplitter", "chunk_size": 400,
                                          "chunk_overlap": 50})
    assert old == ChunkingSettings(chunk_size=400, chunk_overlap=50, titles=False)
    assert ChunkingSettings.from_manifest({"chunk_size": 400, "chunk_overlap": 50, "titles": True}).titles


def test_a_chunk_that_opens_with_its_title_is_not_given_it_twice():
    text = "Lavrov en Corée du Nord\n\nATS\n\nLe ministre est arrivé mercredi."
    assert chunk_title(text, "Lavrov en  Corée du Nord") is None
    assert indexed_text(text, "Lavrov en Corée du Nord") == text
    assert chunk_title("Le ministre est arrivé.", "Lavrov en Corée du Nord") == "Lavrov en Corée du Nord"
