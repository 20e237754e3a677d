"""`qa eval` end to end with the real model: the news questions and a small SQuAD file."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.test_evalsets import write_squad
from ui.cli import main

pytestmark = pytest.mark.slow


def test_qa_eval_on_the_news_questions_meets_the_floors(news_index, capsys, tmp_path):
    failures = tmp_path / "failures.jsonl"
    code = main(
        [
            "eval",
            str(ROOT / "eval" / "news-questions.jsonl"),
            "--index",
            str(news_index),
            "--json",
            "--quiet",
            "--failures",
            str(failures),
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    m = report["metrics"]
    assert m["recall@5"] >= 0.95
    assert m["abstention_recall"] == 1.0  # every unanswerable question abstained
    assert m["answer_hit@1"] >= 0.75
    assert failures.is_file()


def test_qa_eval_on_a_squad_file_builds_and_caches_its_index(tmp_path, monkeypatch, capsys, encoder):
    monkeypatch.setenv("QA_HOME", str(tmp_path / "home"))
    squad = write_squad(tmp_path)
    assert main(["eval", str(squad), "--json", "--quiet", "--unanswerable-by-removal"]) == 0
    m = json.loads(capsys.readouterr().out)["metrics"]
    assert m["questions"] == 5 and m["recall@1"] == 1.0
    cached = list((tmp_path / "home" / "eval-cache").iterdir())
    assert len(cached) == 1 and (cached[0] / "manifest.json").is_file() and any(cached[0].glob("queries-*.npz"))
    assert main(["eval", str(squad), "--quiet"]) == 0  # from the cache, printed as a table
    out = capsys.readouterr().out
    assert "recall@5" in out and "answer-hit@1" in out and "trade-off" in out


def test_qa_eval_without_titles_caches_an_index_of_the_contexts_alone(tmp_path, monkeypatch, capsys, encoder):
    monkeypatch.setenv("QA_HOME", str(tmp_path / "home"))
    squad = write_squad(tmp_path)
    assert main(["eval", str(squad), "--json", "--quiet", "--without-titles"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["titles"] is False
    assert main(["eval", str(squad), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["titles"] is True
    cached = sorted((tmp_path / "home" / "eval-cache").iterdir())
    assert len(cached) == 2
    assert sorted(json.loads((d / "manifest.json").read_text())["chunking"]["titles"] for d in cached) == [False, True]

