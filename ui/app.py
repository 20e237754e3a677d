"""The Gradio web UI over an :class:`~qa.assistant.Assistant`.

    app = build_app(Assistant.load(".qa/index"))
    launch(app, host="127.0.0.1", port=7860)

``qa serve`` calls :func:`ui.startup.serve`, which first builds the index if it is missing and
loads it while this module (Gradio) is imported, then :func:`serve_assistant`.
Besides the chat, the app exposes one API endpoint, ``/ask``, returning the JSON of
``qa ask --json``::

    from gradio_client import Client
    Client("http://127.0.0.1:7860/").predict("Qui a nié les livraisons ?", 5, [], api_name="/ask")

The page is laid out by :func:`layout` and its events wired by :func:`wire` to the handlers of
:mod:`ui.handlers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.question import MAX_QUESTION_CHARS
from ui.chat import Conversation
from ui.handlers import ChatHandlers, ask_endpoint
from ui.render import escape, sources_html
from ui.settings import DEFAULT_HOST, DEFAULT_PORT, SLIDER_MAX_K
from ui.style import CSS, FOCUS_JS, SOURCES_JS

if TYPE_CHECKING:
    from qa.assistant import Assistant

TITLE = "Questions sur l’actualité"
EXAMPLES = (
    "Qui a nié les livraisons ?",
    "Combien de conteneurs ont été livrés à la Russie ?",
    "Combien d’obus l’armée russe tire-t-elle chaque jour ?",
    "Que pense Kim Jong-un de la victoire de la Russie ?",
)
CONCURRENCY_LIMIT = 4  # requests processed at once (the model itself takes one question at a time); others wait
QUEUE_MAX_SIZE = 64  # beyond this, new requests are refused with « file d’attente pleine »
PRIVATE: dict[str, Any] = {"api_visibility": "private"}  # events of the page, not offered as API endpoints
CHAT_PLACEHOLDER = (
    "<strong>Posez une question sur les articles.</strong><br>"
    "La réponse est une phrase des articles, citée telle quelle ; "
    "les passages d’où elle vient s’affichent à côté, la réponse surlignée."
)


def header_html(assistant: Assistant) -> str:
    count = assistant.article_count
    plural = "s" if count > 1 else ""
    return (
        f"<h1>{escape(TITLE)}</h1>"
        f"<p>Les réponses sont des phrases des {count} article{plural} indexé{plural}, citées mot pour mot, "
        "avec leurs sources surlignées. Les questions de suivi («\u00a0Et quand\u00a0?\u00a0») "
        "tiennent compte de la conversation.</p>"
    )


@dataclass(frozen=True)
class Page:
    """The components the events read and write."""

    conversation: gr.State
    chatbot: gr.Chatbot
    question: gr.Textbox
    clear: gr.Button
    samples: gr.Examples
    k: gr.Slider
    show_all: gr.Checkbox
    sources: gr.HTML


def chat_box() -> gr.Chatbot:
    return gr.Chatbot(
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
        placeholder=CHAT_PLACEHOLDER,
    )


def question_row() -> tuple[gr.Textbox, gr.Button]:
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
        clear = gr.Button("Effacer", variant="secondary", size="md", scale=1, min_width=90, elem_id="qa-clear")
    return question, clear


def settings_panel(default_k: int) -> tuple[gr.Slider, gr.Checkbox]:
    with gr.Accordion("Réglages", open=False, elem_id="qa-settings"):
        k = gr.Slider(
            minimum=1,
            maximum=SLIDER_MAX_K,
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
    return k, show_all


def layout(header: str, examples: Sequence[str], *, default_k: int) -> Page:
    """The page, inside a ``gr.Blocks``: the header, the chat column and the sources column."""
    conversation = gr.State(Conversation())
    gr.HTML(header, elem_id="qa-header", js_on_load=None)
    with gr.Row(equal_height=False, elem_id="qa-layout"):
        with gr.Column(scale=3, min_width=340, elem_id="qa-chat-col"):
            chatbot = chat_box()
            question, clear = question_row()
            samples = gr.Examples(
                examples=[[q] for q in examples],
                inputs=[question],
                label="Exemples de questions",
                examples_per_page=len(examples),
                api_visibility="private",
            )
            k, show_all = settings_panel(default_k)
        with gr.Column(scale=2, min_width=320, elem_id="qa-sources-col"):
            sources = gr.HTML(sources_html(None), elem_id="qa-sources", js_on_load=SOURCES_JS)
    return Page(conversation, chatbot, question, clear, samples, k, show_all, sources)


def wire(page: Page, handlers: ChatHandlers) -> None:
    """Connect the page's events to the handlers."""
    p = page

    def ask_on(event) -> None:
        """Echo the question at once, answer it through the queue, then take questions again."""
        (
            event(handlers.on_submit, [p.question, p.conversation], [p.question, p.chatbot, p.conversation],
                  queue=False, **PRIVATE)
            .then(
                handlers.on_answer,
                [p.conversation, p.k, p.show_all],
                [p.chatbot, p.conversation, p.sources],
                show_progress="minimal",
                show_progress_on=[p.chatbot],
                **PRIVATE,
            )
            .then(handlers.on_settle, [p.conversation], [p.question, p.chatbot, p.conversation], queue=False,
                  **PRIVATE)
            .then(None, js=FOCUS_JS, **PRIVATE)
        )

    ask_on(p.question.submit)
    ask_on(p.samples.load_input_event.then)
    p.chatbot.select(handlers.on_select, [p.conversation, p.show_all], [p.conversation, p.sources], queue=False,
                     **PRIVATE)
    p.show_all.change(handlers.on_show_all, [p.conversation, p.show_all], [p.sources], queue=False, **PRIVATE)
    cleared = [p.chatbot, p.conversation, p.sources, p.question]
    p.clear.click(handlers.on_clear, None, cleared, queue=False, **PRIVATE)
    p.chatbot.clear(handlers.on_clear, None, cleared, queue=False, **PRIVATE)


def build_app(assistant: Assistant, *, examples: Sequence[str] = EXAMPLES) -> gr.Blocks:
    """The web UI (chat, sources panel, settings) and the ``/ask`` API endpoint, with a request queue."""
    handlers = ChatHandlers(assistant)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        page = layout(header_html(assistant), examples, default_k=handlers.default_k)
        wire(page, handlers)
        gr.api(
            ask_endpoint(handlers.safe, handlers.default_k),
            api_name="ask",
            api_description="Répond à une question ; même JSON que `qa ask --json`.",
        )
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
    """Serve ``app`` on ``host:port`` (:mod:`ui.settings`: this machine only by default; a public share link
    only if ``share``).

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
