"""The web UI's server and its ``/ask`` API: the real app on a free port, the real Gradio client, the real model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.settings import MAX_K
from tests.conftest import CORPUS
from tests.ui_helpers import ROOT, free_port, record_timing, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

DENIAL = "Qui a nié les livraisons ?"


@pytest.fixture(scope="module")
def server(assistant):
    with served(assistant) as (app, url):
        yield app, url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[1], verbose=False)


def check_offsets(data: dict, store) -> None:
    """The offsets contract on the JSON: every quoted text is its article's text at its offsets."""
    if data["answer"]:
        a = data["answer"]
        assert store.article_by_id[a["doc_id"]].text[a["start"] : a["end"]] == a["text"]
    for c in data["citations"]:
        assert store.article_by_id[c["doc_id"]].text[c["start"] : c["end"]] == c["text"]
        if c["highlight"] is not None:
            start, end = c["highlight"]
            assert 0 <= start < end <= len(c["text"])


def test_ask_endpoint_returns_the_json_of_qa_ask(client, assistant):
    assert client.predict(DENIAL, api_name="/ask") == assistant.ask(DENIAL).to_dict()


@pytest.mark.parametrize(
    "question",
    [DENIAL, "Combien d'obus l'armée russe tire-t-elle chaque jour ?", "Quel temps fera-t-il demain à Paris ?"],
)
def test_ask_endpoint_citations_satisfy_the_offsets_contract(client, assistant, question):
    data = client.predict(question, 5, api_name="/ask")
    assert {"question", "abstained", "answer", "citations"} <= set(data)
    assert data["citations"]
    check_offsets(data, assistant.retriever.store)


def test_ask_endpoint_answers_a_follow_up_from_the_previous_questions(client):
    data = client.predict("Et quand ?", 5, [DENIAL], api_name="/ask")
    assert data["question"] == "Et quand ?"
    assert "livraisons" in data["understood_question"]


def test_ask_endpoint_rejects_an_empty_question_with_its_french_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="La question est vide"):
        client.predict("   ", api_name="/ask")


def test_ask_endpoint_rejects_a_bad_number_of_passages(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=f"k doit être compris entre 1 et {MAX_K}"):
        client.predict(DENIAL, 0, api_name="/ask")


def test_only_ask_is_offered_as_an_api(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}


def test_server_binds_localhost_without_a_share_link(server):
    app, url = server
    assert url.startswith("http://127.0.0.1:") and app.share_url is None


def test_requests_wait_in_a_bounded_queue_with_a_concurrency_limit(server):
    from ui.app import CONCURRENCY_LIMIT, QUEUE_MAX_SIZE

    app, _ = server
    assert app._queue.default_concurrency_limit == CONCURRENCY_LIMIT >= 1
    assert app._queue.max_size == QUEUE_MAX_SIZE


def test_simultaneous_requests_are_all_answered(server, assistant):
    from gradio_client import Client

    questions = [DENIAL, "Combien d'obus l'armée russe tire-t-elle chaque jour ?"] * 4
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        results = list(pool.map(lambda q: Client(server[1], verbose=False).predict(q, api_name="/ask"), questions))
    assert [r["question"] for r in results] == questions
    assert results[0] == assistant.ask(DENIAL).to_dict()


def test_qa_serve_builds_a_missing_index_and_answers(tmp_path):
    """`qa serve --corpus` on a machine without an index: build, load, serve; measures the first answer."""
    from gradio_client import Client

    index_dir, port = tmp_path / "index", free_port()
    qa = [sys.executable, "-m", "ui.cli"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [*qa, "serve", "--index", str(index_dir), "--corpus", str(CORPUS), "--port", str(port)]
    began = time.perf_counter()
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        data = None
        while data is None and time.perf_counter() - began < 300:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                data = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(DENIAL, api_name="/ask")
            except Exception:
                time.sleep(0.5)
        record_timing("qa_serve_start_to_first_answer_cold_index_s", time.perf_counter() - began)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert data is not None and data["question"] == DENIAL
    assert (index_dir / "manifest.json").exists()
    assert "Index absent" in (tmp_path / "serve.log").read_text()
