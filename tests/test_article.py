"""Loading articles: front matter, exact text, and errors that name the file and line."""

from __future__ import annotations

import pytest

from index.article import CorpusError, load_article, load_corpus, parse_article
from tests.conftest import CORPUS, SHARED


def test_front_matter_is_parsed_and_removed_from_the_text():
    article = parse_article("---\ntitle: Un titre\ndate: 2023-10-19\nsource: ATS\n---\nCorps du texte.\n", doc_id="a")
    assert (article.title, article.date, article.source) == ("Un titre", "2023-10-19", "ATS")
    assert article.text == "Corps du texte.\n"


def test_a_file_without_front_matter_keeps_all_its_text():
    article = parse_article("Première ligne.\nDeuxième.", doc_id="a")
    assert article.text == "Première ligne.\nDeuxième." and article.title == ""


def test_bundled_corpus_bodies_are_the_seed_articles_exactly():
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("../shared/seeds not present")
    for seed in seeds:
        assert load_article(CORPUS / seed.name).text == seed.read_text(encoding="utf-8")


def test_unclosed_front_matter_names_file_and_line(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text("---\ntitle: x\nTexte sans fin de bloc\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken\.txt: line 1: .*never closed"):
        load_article(path)


def test_malformed_front_matter_line_is_reported(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: ok\nceci n'est pas une clé\n---\nTexte.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.md: line 3: expected 'key: value'"):
        load_article(path)


def test_non_iso_date_is_rejected(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("---\ndate: 19/10/2023\n---\nTexte.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"d\.txt: line 2: field 'date' must be ISO"):
        load_article(path)


def test_non_utf8_file_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Ligne un.\nCafé\n".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin1\.txt: line 2: not valid UTF-8"):
        load_article(path)


def test_empty_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no .txt or .md article"):
        load_corpus(tmp_path)


def test_missing_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_corpus(tmp_path / "nowhere")


def test_article_without_text_is_an_error(tmp_path):
    path = tmp_path / "vide.txt"
    path.write_text("---\ntitle: Rien\n---\n  \n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"vide\.txt: the article has no text"):
        load_article(path)


def test_display_title_falls_back_to_the_first_line():
    article = parse_article("\n\nLavrov en Corée du Nord\nLe corps.", doc_id="a")
    assert article.display_title == "Lavrov en Corée du Nord"


def test_corpus_is_loaded_in_a_stable_order():
    ids = [a.doc_id for a in load_corpus(CORPUS)]
    assert ids == sorted(ids) and len(ids) == 5
