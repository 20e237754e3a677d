"""HTML for the web UI: chat messages and the sources panel, as pure functions of an :class:`Answer`.

Every piece of text that comes from an article, a question or the index is escaped here
(:func:`escape`); the only markup in the output is the markup written in this module.
Highlights are placed at the exact character offsets the assistant reports, so the text
inside a ``<mark>`` is, once unescaped, the quoted text itself.

Chat messages are single-line HTML blocks (no blank line, no newline) so that the
chat's Markdown renderer leaves their content alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from qa.types import NO_ANSWER_MESSAGE, Answer, Citation

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Characters a template engine or a Markdown/LaTeX pass could read as syntax.
_EXTRA_ESCAPES = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;", "\\": "&#92;"})
NBSP = "\u00a0"
NNBSP = "\u202f"

EMPTY_SOURCES = "Posez une question : les passages cités apparaîtront ici, la réponse surlignée dans son article."
ABSTAIN_NOTE = "Aucun de ces passages ne contient de réponse : ils sont montrés à titre indicatif."


@dataclass(frozen=True)
class Wrap:
    """Markup to put around ``text[start:end]``: ``open`` before, ``close`` after."""

    start: int
    end: int
    open: str
    close: str


def escape(text: str) -> str:
    """``text`` as inert HTML: tags, entities, quotes and template/LaTeX syntax all shown literally."""
    return html.escape(text, quote=True).translate(_EXTRA_ESCAPES)


def wrap_ranges(text: str, wraps: Iterable[Wrap]) -> str:
    """Escape ``text`` and insert each wrap's markup at its offsets.

    Wraps must nest (an inner wrap lies inside an outer one) or be disjoint; empty or
    out-of-range wraps are ignored, and a crossing wrap is clipped to its enclosing one.
    """
    valid = sorted(
        (w for w in wraps if 0 <= w.start < w.end <= len(text)),
        key=lambda w: (w.start, -w.end),
    )
    out: list[str] = []
    stack: list[Wrap] = []
    pos = 0
    for w in valid:
        while stack and stack[-1].end <= w.start:
            top = stack.pop()
            out.append(escape(text[pos : top.end]) + top.close)
            pos = top.end
        end = min(w.end, stack[-1].end) if stack else w.end
        out.append(escape(text[pos : w.start]) + w.open)
        pos = w.start
        stack.append(Wrap(w.start, end, w.open, w.close))
    while stack:
        top = stack.pop()
        out.append(escape(text[pos : top.end]) + top.close)
        pos = top.end
    out.append(escape(text[pos:]))
    return "".join(out)


def mark(text: str, start: int, end: int) -> str:
    """``text`` escaped, with ``text[start:end]`` in a ``<mark>``."""
    return wrap_ranges(text, [Wrap(start, end, '<mark class="qa-hl">', "</mark>")])


def trimmed(text: str, wraps: Iterable[Wrap]) -> str:
    """Like :func:`wrap_ranges` on ``text.strip()``, the wraps shifted to keep their exact characters."""
    lead = len(text) - len(text.lstrip())
    inner = text.strip()
    shifted = [Wrap(max(0, w.start - lead), min(len(inner), w.end - lead), w.open, w.close) for w in wraps]
    return wrap_ranges(inner, shifted)


def one_line(markup: str) -> str:
    """Newlines as ``<br>``, so that a chat message stays a single HTML block."""
    return markup.replace("\r\n", "\n").replace("\n", "<br>")


def format_date(value: str) -> str:
    """``2023-10-19`` → ``19 octobre 2023``; ``2023-10`` → ``octobre 2023``; anything else as is."""
    match = _ISO_DATE.match(value or "")
    if not match:
        return value or ""
    year, month, day = match.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    name = MONTHS[int(month) - 1]
    if day is None:
        return f"{name} {year}"
    return f"{'1er' if int(day) == 1 else int(day)} {name} {year}"


def format_score(score: float) -> str:
    """A retrieval score the French way: ``0,842``."""
    return f"{score:.3f}".replace(".", ",")


def format_percent(value: float) -> str:
    """``0.77`` → ``77 %`` (narrow no-break space)."""
    return f"{round(100 * value)}{NNBSP}%"


def reported_by(count: int) -> str:
    """``Rapporté par 3 articles`` (empty below two)."""
    return f"Rapporté par {count} articles" if count > 1 else ""


def safe_url(url: str) -> str | None:
    """``url`` if it is a plain http(s) address, else ``None`` (no ``javascript:``, no relative paths)."""
    try:
        parsed = urlparse((url or "").strip())
    except ValueError:
        return None
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return parsed.geturl()
    return None


def source_anchor(turn: int, rank: int) -> str:
    """The id of a source card: the chat's citation marks link to it."""
    return f"qa-t{turn}-s{rank}"


def supporting(answer: Answer) -> list[Citation]:
    """The citations whose passage holds the answer (or the same sentence in another article)."""
    return [c for c in answer.citations if c.supports_answer]


def _quote(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


# ----------------------------------------------------------------------------- chat messages


def question_html(question: str) -> str:
    """The reader's question as a chat message (escaped, one line)."""
    return f'<div class="qa-question">{one_line(escape(question))}</div>'


def error_html(message: str) -> str:
    """A problem with the question (empty, too long…), in the reader's language."""
    return f'<div class="qa-answer qa-error" role="alert"><p class="qa-text">{one_line(escape(message))}</p></div>'


def understood_html(answer: Answer) -> str:
    """« Question comprise : … » when the question was rewritten from the conversation, else empty."""
    understood = answer.understood_question
    if not understood or understood == answer.question:
        return ""
    return (
        '<p class="qa-understood"><span class="qa-label">Question comprise :</span> '
        f"{_quote(one_line(escape(understood)))}</p>"
    )


def answer_sentence_html(answer: Answer) -> str:
    """The verbatim answer sentence, its short answer (if any) in bold inside it."""
    span = answer.span
    if span is None:
        return escape(answer.text)
    wraps = []
    if (
        span.short is not None
        and span.short_start is not None
        and span.short_end is not None
        and span.start <= span.short_start < span.short_end <= span.end
    ):
        a, b = span.short_start - span.start, span.short_end - span.start
        wraps.append(Wrap(a, b, '<strong class="qa-short">', "</strong>"))
    return wrap_ranges(span.text, wraps)


def citation_marks_html(citations: Sequence[Citation], *, turn: int) -> str:
    """``[1] [2]``: links to the matching cards of the sources panel."""
    return " ".join(
        f'<a class="qa-cite" href="#{source_anchor(turn, c.rank)}" title="{escape(c.passage.title)}">[{c.rank}]</a>'
        for c in citations
    )


def byline(citation: Citation) -> str:
    """``Titre — Source, 19 octobre 2023`` for the article of a citation (escaped)."""
    p = citation.passage
    details = ", ".join(x for x in (escape(p.source), escape(format_date(p.date))) if x)
    title = f"<cite>{escape(p.title)}</cite>"
    return f"{title} — {details}" if details else title


def answer_html(answer: Answer, *, turn: int) -> str:
    """The assistant's chat message for ``answer`` (turn ``turn`` of the conversation)."""
    parts = [understood_html(answer)]
    if answer.abstained:
        message = answer.text or NO_ANSWER_MESSAGE
        parts.append(f'<p class="qa-text">{one_line(escape(message))}</p>')
        if answer.citations:
            parts.append(
                '<p class="qa-meta">Les passages les plus proches sont dans le panneau Sources, '
                "marqués comme tels : aucun ne répond à la question.</p>"
            )
        return f'<div class="qa-answer qa-abstained">{"".join(parts)}</div>'
    cited = supporting(answer) or list(answer.citations[:1])
    marks = citation_marks_html(cited, turn=turn)
    sentence = one_line(answer_sentence_html(answer))
    parts.append(f'<p class="qa-text"><span class="qa-quote">{_quote(sentence)}</span> {marks}</p>')
    meta = []
    if cited:
        meta.append(f"Source{NBSP}: {byline(cited[0])}")
    count = len(answer.supporting_articles)
    if count > 1:
        meta.append(f'<span class="qa-reported">{reported_by(count)}</span>')
    if answer.span is not None and answer.span.confidence:
        meta.append(f"confiance {format_percent(answer.span.confidence)}")
    parts.append(f'<p class="qa-meta">{" · ".join(meta)}</p>')
    return f'<div class="qa-answer">{"".join(parts)}</div>'


# ----------------------------------------------------------------------------- sources panel


def passage_html(citation: Citation) -> str:
    """The passage text, the answer in a ``<mark>`` at ``citation.highlight``."""
    if citation.highlight is None:
        return trimmed(citation.passage.text, [])
    a, b = citation.highlight
    return trimmed(citation.passage.text, [Wrap(a, b, '<mark class="qa-hl">', "</mark>")])


def article_html(citation: Citation, article_text: str) -> str:
    """The full article: the cited passage outlined, the answer marked (exact offsets)."""
    p = citation.passage
    wraps = []
    if article_text[p.start : p.end] == p.text:
        wraps.append(Wrap(p.start, p.end, '<span class="qa-in-article">', "</span>"))
        if citation.highlight is not None:
            a, b = citation.highlight
            wraps.append(Wrap(p.start + a, p.start + b, '<mark class="qa-hl">', "</mark>"))
    return wrap_ranges(article_text, wraps)


def _card(
    citation: Citation,
    *,
    turn: int,
    article_text: str | None,
    closest: bool,
) -> str:
    p = citation.passage
    classes = ["qa-source"]
    if citation.supports_answer:
        classes.append("qa-supports")
    if closest:
        classes.append("qa-closest")
    tags = []
    if citation.supports_answer:
        tags.append('<span class="qa-tag qa-tag-answer">contient la réponse</span>')
    elif closest:
        tags.append('<span class="qa-tag qa-tag-closest">passage proche, sans réponse</span>')
    meta = [x for x in (escape(p.source), escape(format_date(p.date))) if x]
    if p.similarity is not None:
        meta.append(f"similarité {format_score(p.similarity)}")
    meta.append(f"rang {p.rank}" if p.rank else f"score {format_score(p.score)}")
    head = (
        f'<div class="qa-source-head"><span class="qa-num">[{citation.rank}]</span> '
        f'<span class="qa-title">{escape(p.title)}</span></div>'
        f'<div class="qa-source-meta">{" · ".join(meta)} {"".join(tags)}</div>'
    )
    body = f'<div class="qa-passage">{passage_html(citation)}</div>'
    links = []
    if article_text is not None:
        links.append(
            '<details class="qa-article"><summary>Lire l’article complet</summary>'
            f'<div class="qa-article-text">{article_html(citation, article_text)}</div></details>'
        )
    url = safe_url(p.url)
    if url:
        links.append(
            f'<a class="qa-original" href="{escape(url)}" target="_blank" rel="noopener noreferrer nofollow">'
            "Article original ↗</a>"
        )
    return (
        f'<article class="{" ".join(classes)}" id="{source_anchor(turn, citation.rank)}" '
        f'data-doc="{escape(p.doc_id)}" data-start="{p.start}" data-end="{p.end}">'
        f"{head}{body}{''.join(links)}</article>"
    )


def sources_html(
    answer: Answer | None,
    *,
    articles: Mapping[str, str] | None = None,
    show_all: bool = False,
    turn: int = 1,
) -> str:
    """The sources panel for ``answer``: one card per cited passage, answer highlighted.

    ``articles`` maps article ids to their full text (for « Lire l’article complet »).
    By default only the passages holding the answer are shown; ``show_all`` shows every
    retrieved passage. After an abstention the closest passages are shown, marked as such.
    """
    if answer is None:
        return f'<div class="qa-sources qa-empty"><p>{escape(EMPTY_SOURCES)}</p></div>'
    articles = articles or {}
    asked = escape(answer.question)
    if answer.abstained:
        shown = list(answer.citations)
        header = (
            '<div class="qa-sources-head"><h3>Passages les plus proches</h3>'
            f'<p class="qa-for">Pour {_quote(asked)}</p>'
            f'<p class="qa-notice">{escape(ABSTAIN_NOTE)}</p></div>'
        )
    else:
        support = supporting(answer)
        shown = list(answer.citations) if show_all or not support else support
        count = len(answer.supporting_articles)
        badge = f'<p class="qa-reported">{reported_by(count)}</p>' if count > 1 else ""
        header = f'<div class="qa-sources-head"><h3>Sources</h3><p class="qa-for">Pour {_quote(asked)}</p>{badge}</div>'
    cards = "".join(
        _card(c, turn=turn, article_text=articles.get(c.passage.doc_id), closest=answer.abstained) for c in shown
    )
    hidden = len(answer.citations) - len(shown)
    footer = ""
    if hidden > 0:
        plural = "s" if hidden > 1 else ""
        footer = (
            f'<p class="qa-hidden-note">{hidden} autre{plural} passage{plural} retrouvé{plural} sans la réponse : '
            "cochez « Afficher tous les passages retrouvés » dans les réglages pour les voir.</p>"
        )
    if not shown:
        cards = '<p class="qa-notice">Aucun passage retrouvé.</p>'
    return f'<div class="qa-sources">{header}{cards}{footer}</div>'
