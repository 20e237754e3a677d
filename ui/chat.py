"""The conversation behind the web UI, without Gradio: questions in, chat messages and sources out.

A :class:`Conversation` is the per-browser-session state: the answers so far (the
history that follow-up questions are read against), which chat message belongs to
which answer, and whose sources the panel shows. Every step returns a new
conversation; nothing is mutated, so Gradio can keep it in a ``gr.State``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from qa.question import QuestionError
from qa.types import Answer
from ui.render import answer_html, error_html, question_html, sources_html

log = logging.getLogger(__name__)

Message = dict[str, str]
AskFn = Callable[..., Answer]  # ask(question, history=[...], k=...)

INTERNAL_ERROR = "Une erreur interne a empêché de répondre. Réessayez ; si elle persiste, prévenez l’équipe technique."
BUSY = "Le serveur est trop occupé pour répondre maintenant : reposez la question dans un instant."


@dataclass(frozen=True)
class Conversation:
    """Answers so far, the answer each chat message belongs to, and the answer whose sources are shown."""

    answers: tuple[Answer, ...] = ()
    messages: tuple[Message, ...] = ()  # the chat, in the messages format
    owners: tuple[int | None, ...] = ()  # one per chat message: index into ``answers`` or None
    shown: int | None = None
    pending: str | None = None  # the question echoed in the chat, waiting for its answer

    def answer_for_message(self, index: int) -> int | None:
        """The answer a chat message (user or assistant) belongs to."""
        if 0 <= index < len(self.owners):
            return self.owners[index]
        return None


@dataclass(frozen=True)
class Turn:
    """What the UI shows after a step."""

    conversation: Conversation
    sources: str = ""

    @property
    def chat(self) -> list[Message]:
        return list(self.conversation.messages)


def busy(conversation: Conversation) -> bool:
    """True while a question is waiting for its answer (a new one is not taken meanwhile)."""
    return conversation.pending is not None


def post_question(conversation: Conversation, question: str | None) -> Conversation:
    """Echo the question in the chat at once (blank questions are not echoed) and keep it pending.

    While another question is pending, nothing changes."""
    if busy(conversation):
        return conversation
    text = " ".join((question or "").split())
    if not text:
        return replace(conversation, pending=question or "")
    return replace(
        conversation,
        messages=(*conversation.messages, {"role": "user", "content": question_html(text)}),
        owners=(*conversation.owners, None),
        pending=question,
    )


def answer_pending(
    conversation: Conversation,
    *,
    ask: AskFn,
    k: int,
    show_all: bool,
    articles: Mapping[str, str],
) -> Turn:
    """Answer the pending question in the light of the conversation; errors become chat messages.

    Without a pending question (already answered), nothing changes."""
    if not busy(conversation):
        return Turn(conversation, render_sources(conversation, show_all=show_all, articles=articles))
    question = conversation.pending or ""
    echoed = bool(" ".join(question.split()))
    try:
        answer = ask(question, history=list(conversation.answers), k=k)
    except QuestionError as exc:
        message = str(exc)
    except ValueError as exc:  # a bad setting (k out of range)
        message = f"Réglage invalide : {exc}"
    except Exception:
        log.exception("answering %r failed", question)
        message = INTERNAL_ERROR
    else:
        index = len(conversation.answers)
        owners = list(conversation.owners)
        if echoed and owners:
            owners[-1] = index
        new = Conversation(
            answers=(*conversation.answers, answer),
            messages=(*conversation.messages, {"role": "assistant", "content": answer_html(answer, turn=index + 1)}),
            owners=(*owners, index),
            shown=index,
        )
        return Turn(new, render_sources(new, show_all=show_all, articles=articles))
    new = replace(
        conversation,
        messages=(*conversation.messages, {"role": "assistant", "content": error_html(message)}),
        owners=(*conversation.owners, None),
        pending=None,
    )
    return Turn(new, render_sources(new, show_all=show_all, articles=articles))


def settle(conversation: Conversation) -> Conversation:
    """After the answer step, whatever happened to it: a question still pending was never answered
    (the server refused it, for instance a full queue); say so and take questions again."""
    if not busy(conversation):
        return conversation
    return replace(
        conversation,
        messages=(*conversation.messages, {"role": "assistant", "content": error_html(BUSY)}),
        owners=(*conversation.owners, None),
        pending=None,
    )


def render_sources(conversation: Conversation, *, show_all: bool, articles: Mapping[str, str]) -> str:
    """The sources panel for the answer the conversation shows (the last one unless another was picked)."""
    index = conversation.shown
    if index is None or not 0 <= index < len(conversation.answers):
        return sources_html(None)
    return sources_html(conversation.answers[index], articles=articles, show_all=show_all, turn=index + 1)


def show_sources_of(conversation: Conversation, message_index: int) -> Conversation:
    """Show the sources of the answer a clicked chat message belongs to (no change for error messages)."""
    index = conversation.answer_for_message(message_index)
    return conversation if index is None else replace(conversation, shown=index)
