"""`qa eval` end to end with the real model (the news questions and a small SQuAD file), and its printed
calibration tables over the fake encoder (fast)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.test_evalsets import write_squad
from ui.cli import main


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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



def _fake_eval(monkeypatch, tmp_path, fake_encoder):
    """``qa eval`` of the small SQuAD file over an index built with the fake encoder, no threshold."""
    from index.store import Store
    from index.writer import build_index
    from qa.assistant import Assistant
    from qa.evalsets import load_eval_set
    from qa.evaluate import CachedQueries
    from qa.retriever import DEFAULT_FUSION, Retriever

    squad = write_squad(tmp_path)
    build_index(list(load_eval_set(squad).articles), tmp_path / "index", encoder=fake_encoder, progress=False)
    assistant = Assistant(Retriever(Store.load(tmp_path / "index"), fake_encoder), threshold=0.0)
    monkeypatch.setattr(
        "ui.eval_command.build_assistant", lambda args, es: (assistant, CachedQueries(fake_encoder), DEFAULT_FUSION)
    )
    return squad


def test_qa_eval_prints_the_reliability_table_and_the_ece(monkeypatch, tmp_path, capsys, fake_encoder):
    squad = _fake_eval(monkeypatch, tmp_path, fake_encoder)
    assert main(["eval", str(squad), "--quiet", "--unanswerable-by-removal", "--fit-calibration"]) == 0
    out = capsys.readouterr().out
    assert out.index("answer-hit@1") < out.index("Reliability of the confidences")
    for column in ("confidence", "answers", "mean confidence", "observed accuracy"):
        assert column in out
    assert "expected calibration error" in out
    # one article (title « Lavrov ») cannot be split in two folds: said, not a crash
    assert "not compared out of fold" in out and "as many groups as folds" in out

    assert main(["eval", str(squad), "--quiet", "--unanswerable-by-removal", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    bins = report["reliability"]
    assert bins and sum(b["count"] for b in bins) == 5  # every question got an answer sentence
    assert set(bins[0]) == {"low", "high", "count", "mean_confidence", "accuracy"}
    assert 0.0 <= report["ece"] <= 1.0


def test_the_out_of_fold_comparison_is_printed():
    from rich.console import Console

    from qa.calibration import fit_calibration_out_of_fold
    from ui.eval_report import print_out_of_fold

    scores = [i / 40 for i in range(40)]
    labels = [i % 4 != 0 and i > 12 for i in range(40)]
    compared = fit_calibration_out_of_fold(scores, labels, [f"a{i % 6}" for i in range(40)], folds=2)
    console = Console(record=True, width=120)
    print_out_of_fold(compared, console=console)
    text = console.export_text()
    assert "held-out ECE" in text and "platt" in text and "isotonic" in text
    assert f"{compared.platt_ece:.4f}" in text and f"lower held-out ECE: {compared.best_method}" in text
