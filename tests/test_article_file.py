"""The articles of an opened index are read from articles.jsonl when asked for."""

from __future__ import annotations

import json

import pytest

from index.article import Article
from index.article_file import CACHED, ArticleFile, ArticlesById


def write(path, articles):
    path.write_text("".join(json.dumps(a.__dict__, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")


@pytest.fixture
def articles(tmp_path):
    text = "Texte n° {} : l’été « chaud »\u00a0!"
    items = [Article(doc_id=f"a{i}", text=text.format(i), title=f"Titre {i}") for i in range(5)]
    write(tmp_path / "articles.jsonl", items)
    return items, ArticleFile(tmp_path / "articles.jsonl", parse=lambda row: Article(**row))


def test_articles_read_on_demand_equal_those_written(articles):
    items, file = articles
    assert len(file) == 5 and file.doc_ids == ("a0", "a1", "a2", "a3", "a4")
    assert [file[i] for i in (3, 0, -1)] == [items[3], items[0], items[4]]
    assert list(file) == items and file[1:3] == items[1:3]


def test_an_article_asked_for_again_comes_from_the_cache(articles):
    _, file = articles
    assert file[2] is file[2]
    assert CACHED >= 1


def test_by_id_mapping(articles):
    items, file = articles
    by_id = ArticlesById(file, {a.doc_id: i for i, a in enumerate(items)})
    assert by_id["a4"] == items[4] and "a9" not in by_id and by_id.get("a9") is None
    assert list(by_id) == [a.doc_id for a in items] and len(by_id) == 5


def test_out_of_range_and_bad_lines_are_named(tmp_path, articles):
    _, file = articles
    with pytest.raises(IndexError, match="article number 5 out of range"):
        file[5]
    (tmp_path / "bad.jsonl").write_text('{"doc_id": "x", "text": "t"}\n{"text": "sans id"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl, line 2: not an article"):
        ArticleFile(tmp_path / "bad.jsonl", parse=lambda row: Article(**row))
