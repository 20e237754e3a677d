"""The web app's pieces without a server: the layout builds, the handlers answer, ``/ask`` keeps its contract.
Over the FakeEncoder's small index (the real app served with the real model: test_ui.py, slow)."""

from __future__ import annotations

import inspect

import gradio as gr
import pytest

from qa.assistant import Assistant
from qa.settings import MAX_K
from tests.fake_news import ARTICLES, DENIAL, WHO_DENIED, article_text, fake_retriever
from ui.app import build_app, header_html
from ui.chat import Conversation
from ui.handlers import ChatHandlers, SafeAssistant, answer_json, ask_endpoint
from ui.settings import SLIDER_MAX_K


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return Assistant(fake_retriever(tmp_path_factory.mktemp("app") / "index"), threshold=0.0, reader=False)


def test_the_app_builds_and_offers_only_ask_as_an_api(assistant):
    app = build_app(assistant)
    assert set(app.get_api_info()["named_endpoints"]) == {"/ask"}


def test_the_header_counts_the_articles(assistant):
    assert f"{len(ARTICLES)} articles indexés" in header_html(assistant)


def test_ask_endpoint_returns_the_json_of_qa_ask(assistant):
    ask = ask_endpoint(SafeAssistant(assistant), 5)
    assert ask(WHO_DENIED) == assistant.ask(WHO_DENIED).to_dict()
    assert inspect.signature(ask).parameters["k"].default == 5
    follow = ask("Et pourquoi ?", 5, [WHO_DENIED])
    assert follow["question"] == "Et pourquoi ?" and "livraisons" in follow["understood_question"]


@pytest.mark.parametrize("k", [0, MAX_K + 1, "beaucoup"])
def test_ask_endpoint_refuses_a_bad_k_with_a_french_message(assistant, k):
    with pytest.raises(gr.Error, match=f"compris entre 1 et {MAX_K}|invalid literal"):
        answer_json(SafeAssistant(assistant), WHO_DENIED, k, None)


def test_ask_endpoint_takes_up_to_the_library_s_limit_beyond_the_slider(assistant):
    data = answer_json(SafeAssistant(assistant), WHO_DENIED, SLIDER_MAX_K + 1, None)
    assert data["answer"]["text"] == DENIAL


def test_a_question_goes_from_the_box_to_the_chat_and_the_sources(assistant):
    handlers = ChatHandlers(assistant)
    assert handlers.default_k == min(assistant.k, SLIDER_MAX_K)
    box, chat, conversation = handlers.on_submit(WHO_DENIED, Conversation())
    assert [m["role"] for m in chat] == ["user"] and conversation.pending == WHO_DENIED
    chat, conversation, sources = handlers.on_answer(conversation, 5.0, False)
    assert [m["role"] for m in chat] == ["user", "assistant"] and "<mark" in sources
    box, chat, settled = handlers.on_settle(conversation)
    assert settled is conversation and box.interactive
    assert handlers.articles["canicule"] == article_text("canicule")
    assert handlers.on_clear()[1] == Conversation()
