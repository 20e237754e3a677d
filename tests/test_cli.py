"""The `qa` command line: exit codes, messages, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.settings import MAX_K
from tests.conftest import CORPUS, ROOT
from ui.cli import main


def run_qa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def test_build_with_empty_corpus_fails_naming_the_folder(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    code = main(["index", "build", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "i")])
    assert code == 1
    assert "no .txt or .md article" in capsys.readouterr().err
    assert not (tmp_path / "i").exists()


def test_build_with_unreadable_file_fails_naming_it(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cassé.txt").write_bytes(b"\xff\xfe\x00")
    assert main(["index", "build", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i")]) == 1
    assert "cassé.txt: line 1: not valid UTF-8" in capsys.readouterr().err


def test_ask_without_index_says_to_build_one(tmp_path, capsys):
    assert main(["ask", "Qui ?", "--index", str(tmp_path / "none")]) == 1
    assert "qa index build" in capsys.readouterr().err


@pytest.mark.parametrize("question", ["", "   \n", "x" * 100_000])
def test_ask_rejects_bad_questions_with_a_message(tmp_path, capsys, question):
    assert main(["ask", question, "--index", str(tmp_path)]) == 1
    assert "question" in capsys.readouterr().err


@pytest.mark.parametrize("k", [0, MAX_K + 1])
def test_ask_rejects_bad_k(capsys, k):
    assert main(["ask", "Qui ?", "-k", str(k)]) == 1
    assert f"k must be between 1 and {MAX_K}, got {k}" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2


def test_index_info_on_a_corrupt_index(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    assert main(["index", "info", "--index", str(tmp_path)]) == 1
    assert "unreadable manifest" in capsys.readouterr().err


@pytest.mark.slow
def test_build_then_info_then_ask_json(tmp_path):
    index_dir = tmp_path / "index"
    built = run_qa("index", "build", "--corpus", str(CORPUS), "--index", str(index_dir), "--quiet")
    assert built.returncode == 0, built.stderr
    assert "articles" in built.stdout and "chunks" in built.stdout

    info = run_qa("index", "info", "--index", str(index_dir))
    assert info.returncode == 0 and "multilingual-e5-small" in info.stdout

    asked = run_qa("ask", "Qui a nié les livraisons ?", "--index", str(index_dir), "--json")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["abstained"] is False
    texts = {a.stem: a.read_text(encoding="utf-8").split("\n---\n", 1)[1] for a in CORPUS.glob("*.txt")}
    assert texts[data["answer"]["doc_id"]][data["answer"]["start"] : data["answer"]["end"]] == data["answer"]["text"]
    for c in data["citations"]:
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["text"]

    weather = run_qa("ask", "Quel temps fera-t-il demain à Paris ?", "--index", str(index_dir))
    assert weather.returncode == 0
    assert "Je n’ai pas trouvé de réponse" in weather.stdout and "[1]" in weather.stdout


@pytest.mark.slow
def test_ask_with_another_model_than_the_index_fails(news_index, tmp_path, capsys):
    from index.models.prepare import prepare_default_model

    other = tmp_path / "another-model"
    other.symlink_to(prepare_default_model(progress=False).resolve(), target_is_directory=True)
    assert main(["ask", "Qui ?", "--index", str(news_index), "--model", str(other)]) == 1
    assert "was built with the model" in capsys.readouterr().err


def test_ask_with_a_directory_that_is_not_a_model_fails(tmp_path, capsys, fake_encoder):
    from index.writer import build_index

    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, progress=False)
    (tmp_path / "not-a-model").mkdir()
    assert main(["ask", "Qui ?", "--index", str(tmp_path / "index"), "--model", str(tmp_path / "not-a-model")]) == 1
    assert "not-a-model" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("retrieval", ["dense", "lexical"])
def test_ask_can_choose_the_retrieval(news_index, capsys, retrieval):
    assert main(["ask", "Combien d'obus l'armée russe tire-t-elle chaque jour ?", "--index", str(news_index),
                 "--retrieval", retrieval, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "60.000 obus" in data["answer"]["text"]
    if retrieval == "dense":  # BM25 alone sees no cosine
        assert all(c["similarity"] is not None for c in data["citations"])


@pytest.mark.parametrize(("flags", "titles"), [((), True), (("--no-titles",), False)])
def test_build_records_whether_titles_are_indexed(tmp_path, fake_encoder, monkeypatch, capsys, flags, titles):
    import index
    from index.manifest import Manifest

    monkeypatch.setattr(index, "Encoder", lambda *args, **kwargs: fake_encoder)
    index_dir = tmp_path / "index"
    assert main(["index", "build", "--corpus", str(CORPUS), "--index", str(index_dir), "--quiet", *flags]) == 0
    assert Manifest.read(index_dir).chunking.settings.titles is titles
    assert main(["index", "info", "--index", str(index_dir)]) == 0
    assert ("titre" in capsys.readouterr().out) is titles  # « titre de l’article indexé avec chaque chunk »
