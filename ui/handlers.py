"""What the web UI does on each event, and its ``/ask`` API: small functions over the assistant.

:class:`ChatHandlers` holds the assistant (behind a lock) and the articles' texts; each of its methods is
the handler of one Gradio event (:func:`ui.app.wire`). :func:`ask_endpoint` makes the ``/ask`` function.
The conversation's logic itself is :mod:`ui.chat`'s, without Gradio.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.question import QuestionError
from qa.settings import MAX_K
from ui.chat import Conversation, answer_pending, busy, post_question, render_sources, settle, show_sources_of
from ui.render import sources_html
from ui.settings import SLIDER_MAX_K

if TYPE_CHECKING:
    from index.article import Article
    from qa.assistant import Assistant
    from qa.types import Answer

MAX_PREVIOUS = 10  # earlier questions of an ``/ask`` call that are asked again for its context


class SafeAssistant:
    """Serializes calls to the assistant (the tokenizer and the model are shared by all sessions)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._lock = threading.Lock()

    def ask(self, question: str, history: Sequence[Answer] | None = None, *, k: int | None = None) -> Answer:
        with self._lock:
            return self.assistant.ask(question, history, k=k)


class ArticleTexts(Mapping[str, str]):
    """doc_id → full text of the article, read when a source panel shows it (« Lire l’article complet »)."""

    def __init__(self, articles: Mapping[str, Article]) -> None:
        self._articles = articles

    def __getitem__(self, doc_id: str) -> str:
        return self._articles[doc_id].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._articles)

    def __len__(self) -> int:
        return len(self._articles)


class ChatHandlers:
    """The chat's event handlers, over one assistant shared by every browser session."""

    def __init__(self, assistant: Assistant) -> None:
        self.safe = SafeAssistant(assistant)
        self.articles = ArticleTexts(assistant.articles)
        self.default_k = min(assistant.k, SLIDER_MAX_K)

    def on_submit(self, question: str, conversation: Conversation):
        """Echo the question in the chat at once and lock the box (the answer comes through the queue)."""
        if busy(conversation):  # an example clicked while answering: keep it in the box for later
            return gr.skip(), gr.skip(), gr.skip()
        conversation = post_question(conversation, question)
        return gr.Textbox(value="", interactive=False), list(conversation.messages), conversation

    def on_answer(self, conversation: Conversation, k: float, show_all: bool):
        if not busy(conversation):
            return gr.skip(), gr.skip(), gr.skip()
        turn = answer_pending(conversation, ask=self.safe.ask, k=int(k), show_all=show_all, articles=self.articles)
        return turn.chat, turn.conversation, turn.sources

    def on_settle(self, conversation: Conversation):
        """Take questions again; a question the queue never answered is reported."""
        settled = settle(conversation)
        chat = gr.skip() if settled is conversation else list(settled.messages)
        return gr.Textbox(interactive=True), chat, settled

    def on_select(self, conversation: Conversation, show_all: bool, evt: gr.SelectData):
        """A click on a chat message shows the sources of its answer."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        conversation = show_sources_of(conversation, int(index))
        return conversation, render_sources(conversation, show_all=show_all, articles=self.articles)

    def on_show_all(self, conversation: Conversation, show_all: bool):
        return render_sources(conversation, show_all=show_all, articles=self.articles)

    def on_clear(self):
        return [], Conversation(), sources_html(None), ""


def answer_json(safe: SafeAssistant, question: str, k: Any, previous: Sequence[str] | None) -> dict[str, Any]:
    """The JSON of ``qa ask --json`` for ``question``, the ``previous`` questions (oldest first) asked
    again for its context; a bad question or ``k`` is a :class:`gr.Error` with its French message."""
    try:
        k = int(k)
        if not 1 <= k <= MAX_K:
            raise QuestionError(f"k doit être compris entre 1 et {MAX_K} (reçu : {k}).")
        history: list[Answer] = []
        for earlier in (previous or [])[-MAX_PREVIOUS:]:
            history.append(safe.ask(earlier, history, k=k))
        return safe.ask(question, history, k=k).to_dict()
    except (QuestionError, TypeError, ValueError) as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def ask_endpoint(safe: SafeAssistant, default_k: int) -> Callable[..., dict[str, Any]]:
    """The ``/ask`` function; Gradio reads its signature (``k``'s default: ``default_k``) and docstring."""

    def ask_json(question: str, k: int = default_k, previous: list[str] | None = None) -> dict[str, Any]:
        """Answer `question` from the articles; `previous` questions (oldest first) give follow-ups their context.
        Returns the JSON of `qa ask --json`."""
        return answer_json(safe, question, k, previous)

    return ask_json
