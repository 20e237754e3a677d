"""The Gradio web UI over an :class:`~qa.assistant.Assistant`.

    app = build_app(Assistant.load(".qa/index"))
    launch(app, host="127.0.0.1", port=7860)

``qa serve`` calls :func:`ui.startup.serve`, which first builds the index if it is missing and
loads it while this module (Gradio) is imported, then :func:`serve_assistant`.
Besides the chat, the app exposes one API endpoint, ``/ask``, returning the JSON of
``qa ask --json``::

    from gradio_client import Client
    Client("http://127.0.0.1:7860/").predict("Qui a nié les livraisons ?", 5, [], api_name="/ask")
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.question import MAX_QUESTION_CHARS, QuestionError
from ui.chat import Conversation, answer_pending, busy, post_question, render_sources, settle, show_sources_of
from ui.render import escape, sources_html
from ui.startup import DEFAULT_HOST, DEFAULT_PORT
from ui.style import CSS, FOCUS_JS, SOURCES_JS

if TYPE_CHECKING:
    from index.article import Article
    from qa.assistant import Assistant
    from qa.types import Answer

TITLE = "Questions sur l’actualité"
EXAMPLES = (
    "Qui a nié les livraisons ?",
    "Combien de conteneurs ont été livrés à la Russie ?",
    "Combien d’obus l’armée russe tire-t-elle chaque jour ?",
    "Que pense Kim Jong-un de la victoire de la Russie ?",
)
CONCURRENCY_LIMIT = 4  # requests processed at once (the model itself takes one question at a time); others wait
QUEUE_MAX_SIZE = 64  # beyond this, new requests are refused with « file d’attente pleine »
MAX_K = 20
MAX_PREVIOUS = 10


class SafeAssistant:
    """Serializes calls to the assistant (the tokenizer and the model are shared by all sessions)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._lock = threading.Lock()

    def ask(self, question: str, history: Sequence[Answer] | None = None, *, k: int | None = None) -> Answer:
        with self._lock:
            return self.assistant.ask(question, history, k=k)


def header_html(assistant: Assistant) -> str:
    store = assistant.retriever.store
    count = len(store.articles)
    plural = "s" if count > 1 else ""
    return (
        f"<h1>{escape(TITLE)}</h1>"
        f"<p>Les réponses sont des phrases des {count} article{plural} indexé{plural}, citées mot pour mot, "
        "avec leurs sources surlignées. Les questions de suivi («\u00a0Et quand\u00a0?\u00a0») "
        "tiennent compte de la conversation.</p>"
    )


def build_app(assistant: Assistant, *, examples: Sequence[str] = EXAMPLES) -> gr.Blocks:
    """The web UI (chat, sources panel, settings) and the ``/ask`` API endpoint, with a request queue."""
    safe = SafeAssistant(assistant)
    articles = ArticleTexts(assistant.retriever.store.article_by_id)
    default_k = min(assistant.k, MAX_K)

    def ask_json(question: str, k: int = default_k, previous: list[str] | None = None) -> dict[str, Any]:
        """Answer `question` from the articles; `previous` questions (oldest first) give follow-ups their context.
        Returns the JSON of `qa ask --json`."""
        try:
            k = int(k)
            if not 1 <= k <= 100:
                raise QuestionError(f"k doit être compris entre 1 et 100 (reçu : {k}).")
            history: list[Answer] = []
            for earlier in (previous or [])[-MAX_PREVIOUS:]:
                history.append(safe.ask(earlier, history, k=k))
            return safe.ask(question, history, k=k).to_dict()
        except (QuestionError, TypeError, ValueError) as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    def on_submit(question: str, conversation: Conversation):
        if busy(conversation):  # an example clicked while answering: keep it in the box for later
            return gr.skip(), gr.skip(), gr.skip()
        conversation = post_question(conversation, question)
        return gr.Textbox(value="", interactive=False), list(conversation.messages), conversation

    def on_answer(conversation: Conversation, k: float, show_all: bool):
        if not busy(conversation):
            return gr.skip(), gr.skip(), gr.skip()
        turn = answer_pending(conversation, ask=safe.ask, k=int(k), show_all=show_all, articles=articles)
        return turn.chat, turn.conversation, turn.sources

    def on_settle(conversation: Conversation):
        settled = settle(conversation)
        chat = gr.skip() if settled is conversation else list(settled.messages)
        return gr.Textbox(interactive=True), chat, settled

    def on_select(conversation: Conversation, show_all: bool, evt: gr.SelectData):
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        conversation = show_sources_of(conversation, int(index))
        return conversation, render_sources(conversation, show_all=show_all, articles=articles)

    def on_show_all(conversation: Conversation, show_all: bool):
        return render_sources(conversation, show_all=show_all, articles=articles)

    def on_clear():
        return [], Conversation(), sources_html(None), ""

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        conversation = gr.State(Conversation())
        gr.HTML(header_html(assistant), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False, elem_id="qa-layout"):
            with gr.Column(scale=3, min_width=340, elem_id="qa-chat-col"):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    elem_id="qa-chat",
                    height=560,
                    latex_delimiters=[],
                    sanitize_html=True,
                    allow_tags=False,
                    group_consecutive_messages=False,
                    feedback_options=None,
                    buttons=[],  # Gradio would copy the messages as HTML source
                    placeholder=(
                        "<strong>Posez une question sur les articles.</strong><br>"
                        "La réponse est une phrase des articles, citée telle quelle ; "
                        "les passages d’où elle vient s’affichent à côté, la réponse surlignée."
                    ),
                )
                with gr.Row(elem_id="qa-input-row"):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Votre question…",
                        lines=1,
                        max_lines=4,
                        max_length=MAX_QUESTION_CHARS,
                        autofocus=True,
                        submit_btn="Envoyer",
                        elem_id="qa-question",
                        scale=5,
                        container=False,
                    )
                    clear = gr.Button(
                        "Effacer", variant="secondary", size="md", scale=1, min_width=90, elem_id="qa-clear"
                    )
                samples = gr.Examples(
                    examples=[[q] for q in examples],
                    inputs=[question],
                    label="Exemples de questions",
                    examples_per_page=len(examples),
                    api_visibility="private",
                )
                with gr.Accordion("Réglages", open=False, elem_id="qa-settings"):
                    k = gr.Slider(
                        minimum=1,
                        maximum=MAX_K,
                        value=default_k,
                        step=1,
                        label="Nombre de passages",
                        info="Passages retrouvés et cités pour chaque question.",
                    )
                    show_all = gr.Checkbox(
                        value=False,
                        label="Afficher tous les passages retrouvés",
                        info="Sinon, seuls les passages qui contiennent la réponse sont affichés.",
                    )
            with gr.Column(scale=2, min_width=320, elem_id="qa-sources-col"):
                sources = gr.HTML(sources_html(None), elem_id="qa-sources", js_on_load=SOURCES_JS)

        private: dict[str, Any] = {"api_visibility": "private"}

        def ask_on(event) -> None:
            """Echo the question at once, answer it through the queue, then take questions again."""
            (
                event(on_submit, [question, conversation], [question, chatbot, conversation], queue=False, **private)
                .then(
                    on_answer,
                    [conversation, k, show_all],
                    [chatbot, conversation, sources],
                    show_progress="minimal",
                    show_progress_on=[chatbot],
                    **private,
                )
                .then(on_settle, [conversation], [question, chatbot, conversation], queue=False, **private)
                .then(None, js=FOCUS_JS, **private)
            )

        ask_on(question.submit)
        ask_on(samples.load_input_event.then)
        chatbot.select(on_select, [conversation, show_all], [conversation, sources], queue=False, **private)
        show_all.change(on_show_all, [conversation, show_all], [sources], queue=False, **private)
        clear.click(on_clear, None, [chatbot, conversation, sources, question], queue=False, **private)
        chatbot.clear(on_clear, None, [chatbot, conversation, sources, question], queue=False, **private)
        gr.api(ask_json, api_name="ask", api_description="Répond à une question ; même JSON que `qa ask --json`.")
    app.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_MAX_SIZE)
    return app


def launch(
    app: gr.Blocks,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    share: bool = False,
    block: bool = True,
    quiet: bool = False,
) -> str:
    """Serve ``app`` on ``host:port`` (127.0.0.1 by default; a public share link only if ``share``).

    With ``block=False`` the server runs in the background (stop it with ``app.close()``).
    Returns the local URL.
    """
    theme = gr.themes.Soft(
        primary_hue="amber",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )
    _, local_url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        theme=theme,
        css=CSS,
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
    )
    return local_url


def serve_assistant(assistant: Assistant, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                    share: bool = False) -> None:
    """Serve the web UI over a loaded ``assistant`` until Ctrl-C (``qa serve``: :func:`ui.startup.serve`)."""
    app = build_app(assistant)
    print(f"Interface prête : http://{host}:{port} (Ctrl-C pour arrêter)", flush=True)
    launch(app, host=host, port=port, share=share)


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
