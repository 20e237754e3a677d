"""Evaluation files: the project's JSON lines and SQuAD JSON, and the runner on a fake encoder."""

from __future__ import annotations

import json

import pytest

from index.store import Store
from index.writer import build_index
from qa.assistant import Assistant
from qa.evalsets import load_eval_set
from qa.evaluate import eval_index_dir, run_eval
from qa.retriever import Retriever
from tests.conftest import ROOT

SQUAD = {
    "data": [
        {
            "title": "Lavrov",
            "paragraphs": [
                {
                    "context": "Sergueï Lavrov est arrivé le 18 octobre 2023 à Pyongyang. "
                    "Il y a rencontré Kim Jong Un.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "Quand Lavrov est-il arrivé à Pyongyang ?",
                            "answers": [{"text": "18 octobre 2023", "answer_start": 29}],
                        },
                        {"id": "q2", "question": "Qui Lavrov a-t-il rencontré ?", "answers": [], "is_impossible": True},
                    ],
                },
                {
                    "context": "La Russie tire 60.000 obus par jour en Ukraine.",
                    "qas": [
                        {
                            "question": "Combien d'obus la Russie tire-t-elle ?",
                            "answers": [{"text": "60.000 obus", "answer_start": 15}],
                        }
                    ],
                },
            ],
        }
    ]
}


def write_squad(tmp_path):
    path = tmp_path / "mini-squad.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    return path


def test_squad_contexts_become_the_corpus_and_questions_point_at_them(tmp_path):
    es = load_eval_set(write_squad(tmp_path))
    assert es.kind == "squad" and [a.doc_id for a in es.articles] == ["ctx-0000", "ctx-0001"]
    assert [i.gold_docs for i in es.items] == [("ctx-0000",), (), ("ctx-0001",)]
    assert not es.items[1].answerable and es.items[2].id.startswith("ctx-0001")


def test_the_news_questions_load_as_json_lines():
    es = load_eval_set(ROOT / "eval" / "news-questions.jsonl")
    assert es.kind == "jsonl" and len(es.items) >= 30
    assert sum(not i.answerable for i in es.items) >= 5
    assert all(i.gold_docs and i.quotes for i in es.items if i.answerable)


@pytest.mark.parametrize("name", ["news-questions.jsonl", "news-reading.jsonl"])
def test_every_news_evidence_quote_is_verbatim_in_its_article(name):
    from index.article import load_corpus

    texts = {a.doc_id: a.text for a in load_corpus(ROOT / "corpus")}
    rows = [json.loads(line) for line in (ROOT / "eval" / name).read_text("utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert bool(row["answers"]) == bool(row["evidence"]), row["id"]
        for e in row["evidence"]:
            assert e["quote"] in texts[e["doc"]], (row["id"], e["quote"])


def test_a_sample_is_fixed_by_its_seed(tmp_path):
    es = load_eval_set(ROOT / "eval" / "news-questions.jsonl")
    assert es.subset(10, seed=3).items == es.subset(10, seed=3).items
    assert len(es.subset(10).items) == 10 and es.subset(None) is es


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        load_eval_set(bad)
    with pytest.raises(ValueError, match="no such evaluation file"):
        load_eval_set(tmp_path / "missing.json")


def test_the_cache_folder_depends_on_the_file_and_the_settings(tmp_path):
    from index.chunking import ChunkingSettings

    es = load_eval_set(write_squad(tmp_path))
    a = eval_index_dir(es, model_spec="default", chunking=ChunkingSettings(), factory="Flat", home=tmp_path)
    b = eval_index_dir(es, model_spec="other", chunking=ChunkingSettings(), factory="Flat", home=tmp_path)
    assert a != b and a.parent == tmp_path / "eval-cache" and a.name.startswith("mini-squad-")


def test_run_eval_scores_retrieval_answers_and_removal(tmp_path, fake_encoder):
    es = load_eval_set(write_squad(tmp_path))
    build_index(list(es.articles), tmp_path / "index", encoder=fake_encoder, progress=False)
    assistant = Assistant(Retriever(Store.load(tmp_path / "index"), fake_encoder), threshold=0.0)
    report = run_eval(es, assistant, removal=True)
    m = report.metrics
    assert m["questions"] == 5 and m["answerable"] == 2 and m["unanswerable"] == 3
    assert m["recall@1"] == 1.0 and m["answer_hit@1"] == 1.0
    assert all(r.gold_rank is None for r in report.results if r.removed)
    assert report.to_dict()["metrics"]["recall@5"] == 1.0


def test_eval_args_are_the_command_s_defaults():
    from ui.cli import build_parser
    from ui.eval_command import eval_args

    parsed = vars(build_parser().parse_args(["eval", "questions.jsonl", "--quiet"]))
    for name, value in vars(eval_args()).items():
        assert parsed[name] == value, name


def test_a_question_falls_in_the_fold_of_its_articles_whatever_their_order():
    from qa.evalsets import EvalItem, fold_of

    assert {fold_of(["ctx-0001"]), fold_of(["ctx-0002"]), fold_of(["ctx-0003"])} <= {0, 1}
    assert fold_of(["b", "a"]) == fold_of(["a", "b"])
    item = EvalItem(id="q", question="Qui ?", answers=("x",), gold_docs=("b", "a"))
    assert item.fold == fold_of(["a", "b"])
