"""The conversation behind the web UI, with a stand-in assistant (no model, no server)."""

from __future__ import annotations

from qa.question import clean_question
from qa.types import Answer, AnswerSpan, Citation, Passage
from ui.chat import BUSY, INTERNAL_ERROR, Conversation, answer_pending, post_question, settle, show_sources_of

ARTICLES = {"002": "Les allégations américaines ont été démenties tant par la Corée du Nord que par le Kremlin."}


class StubAssistant:
    """Answers every question with the same sentence; records the history it was given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, list[Answer], int]] = []

    def ask(self, question: str, history=None, *, k=None) -> Answer:
        self.calls.append((question, list(history or []), k))
        if self.error:
            raise self.error
        question = clean_question(question)
        text = ARTICLES["002"]
        passage = Passage(doc_id="002", title="Titre", text=text, start=0, end=len(text), score=0.9)
        span = AnswerSpan(text=text, doc_id="002", start=0, end=len(text), score=0.9, confidence=0.9)
        understood = f"{question} (nié livraisons)" if history else question
        return Answer(question, span, (Citation(1, passage, (0, len(text)), True),), understood_question=understood)


def ask(conversation: Conversation, question: str, assistant: StubAssistant, *, k: int = 5):
    posted = post_question(conversation, question)
    return answer_pending(posted, ask=assistant.ask, k=k, show_all=False, articles=ARTICLES)


def test_question_is_echoed_at_once_and_kept_pending():
    posted = post_question(Conversation(), "Qui a nié les livraisons ?")
    assert [m["role"] for m in posted.messages] == ["user"] and posted.pending == "Qui a nié les livraisons ?"


def test_blank_question_is_not_echoed():
    assert post_question(Conversation(), "   ").messages == ()


def test_answer_joins_the_chat_and_the_sources_panel():
    turn = ask(Conversation(), "Qui a nié les livraisons ?", StubAssistant())
    assert [m["role"] for m in turn.chat] == ["user", "assistant"]
    assert "démenties" in turn.chat[1]["content"] and "<mark" in turn.sources


def test_follow_up_is_asked_with_the_previous_answers():
    assistant = StubAssistant()
    first = ask(Conversation(), "Qui a nié les livraisons ?", assistant)
    second = ask(first.conversation, "Et quand ?", assistant)
    question, history, _ = assistant.calls[-1]
    assert question == "Et quand ?" and history == [first.conversation.answers[0]]
    assert "Question comprise" in second.chat[-1]["content"]


def test_invalid_question_gets_its_french_message_in_the_chat():
    turn = ask(Conversation(), "   ", StubAssistant())
    assert len(turn.chat) == 1 and "La question est vide" in turn.chat[0]["content"]
    assert turn.conversation.answers == ()


def test_unexpected_failure_is_reported_without_crashing():
    turn = ask(Conversation(), "Qui ?", StubAssistant(error=RuntimeError("boom")))
    assert INTERNAL_ERROR.split(".")[0] in turn.chat[-1]["content"] and "boom" not in turn.chat[-1]["content"]


def test_settings_number_of_passages_reaches_the_assistant():
    assistant = StubAssistant()
    ask(Conversation(), "Qui a nié les livraisons ?", assistant, k=12)
    assert assistant.calls[-1][2] == 12


def test_error_turns_do_not_enter_the_history():
    assistant = StubAssistant()
    first = ask(Conversation(), "Qui a nié les livraisons ?", assistant)
    failed = ask(first.conversation, "", assistant)
    ask(failed.conversation, "Et quand ?", assistant)
    assert len(assistant.calls[-1][1]) == 1


def test_clicking_an_earlier_message_shows_its_sources():
    assistant = StubAssistant()
    first = ask(Conversation(), "Qui a nié les livraisons ?", assistant)
    second = ask(first.conversation, "Et quand ?", assistant)
    assert second.conversation.shown == 1
    assert show_sources_of(second.conversation, 0).shown == 0  # the first question
    assert show_sources_of(second.conversation, 1).shown == 0  # its answer


def test_clicking_an_error_message_keeps_the_panel():
    failed = ask(ask(Conversation(), "Qui ?", StubAssistant()).conversation, "", StubAssistant())
    assert show_sources_of(failed.conversation, 2) == failed.conversation


def test_a_second_question_is_not_taken_while_one_is_pending():
    posted = post_question(Conversation(), "Qui a nié les livraisons ?")
    assert post_question(posted, "Et quand ?") == posted


def test_an_answered_question_is_not_answered_twice():
    assistant = StubAssistant()
    turn = ask(Conversation(), "Qui a nié les livraisons ?", assistant)
    again = answer_pending(turn.conversation, ask=assistant.ask, k=5, show_all=False, articles=ARTICLES)
    assert again.conversation == turn.conversation and len(assistant.calls) == 1


def test_a_question_the_server_never_answered_is_reported_and_released():
    settled = settle(post_question(Conversation(), "Qui a nié les livraisons ?"))
    assert settled.pending is None and BUSY.split(":")[0] in settled.messages[-1]["content"]


def test_settling_after_an_answer_changes_nothing():
    turn = ask(Conversation(), "Qui a nié les livraisons ?", StubAssistant())
    assert settle(turn.conversation) is turn.conversation
