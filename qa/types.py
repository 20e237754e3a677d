"""The results the assistant returns: passages, citations, answers (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of an article: ``text == article.text[start:end]``.

    ``score`` is the retriever's ranking score (for hybrid retrieval the fused score of
    :mod:`qa.fusion`: by default the cosine plus a weighted, scaled BM25 score; BM25 for lexical,
    cosine for dense); ``similarity`` the cosine between the question and the
    passage's best chunk (None when dense search did not see it): the number to show people.
    """

    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    rank: int = 0
    chunk_id: int = -1
    date: str = ""
    source: str = ""
    url: str = ""
    similarity: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"Passage offsets must satisfy 0 <= start <= end, got ({self.start}, {self.end})")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"Passage text has {len(self.text)} characters, offsets say {self.end - self.start}")

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(float(self.score), 6),
            "similarity": None if self.similarity is None else round(float(self.similarity), 6),
            "date": self.date or None,
            "source": self.source or None,
            "url": self.url or None,
        }


@dataclass(frozen=True)
class Citation:
    """A passage cited for an answer; ``highlight`` is the answer inside ``passage.text``."""

    rank: int
    passage: Passage
    highlight: tuple[int, int] | None = None
    supports_answer: bool = False

    def __post_init__(self) -> None:
        if self.rank < 1:
            raise ValueError(f"Citation.rank starts at 1, got {self.rank}")
        if self.highlight is not None:
            a, b = self.highlight
            if not 0 <= a < b <= len(self.passage.text):
                raise ValueError(f"Citation.highlight {self.highlight} is outside the passage")

    @property
    def highlighted_text(self) -> str | None:
        if self.highlight is None:
            return None
        a, b = self.highlight
        return self.passage.text[a:b]

    def to_dict(self) -> dict:
        p = self.passage
        return {
            "rank": self.rank,
            "doc_id": p.doc_id,
            "title": p.title,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "score": round(float(p.score), 6),
            "similarity": None if p.similarity is None else round(float(p.similarity), 6),
            "highlight": list(self.highlight) if self.highlight else None,
            "supports_answer": self.supports_answer,
            "date": p.date or None,
            "source": p.source or None,
        }


@dataclass(frozen=True)
class AnswerSpan:
    """The extracted answer: verbatim ``text == article.text[start:end]``, with an optional short answer."""

    text: str
    doc_id: str
    start: int
    end: int
    score: float
    confidence: float = 0.0
    short: str | None = None
    short_start: int | None = None
    short_end: int | None = None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "short": self.short,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "score": round(float(self.score), 6),
            "confidence": round(float(self.confidence), 4),
            "short_start": self.short_start,
            "short_end": self.short_end,
        }


NO_ANSWER_MESSAGE = "Je n’ai pas trouvé de réponse dans les articles."


@dataclass(frozen=True)
class Answer:
    """The assistant's reply to one question."""

    question: str
    span: AnswerSpan | None
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    understood_question: str | None = None
    message: str = ""

    @property
    def abstained(self) -> bool:
        return self.span is None

    @property
    def text(self) -> str:
        return self.span.text if self.span else (self.message or NO_ANSWER_MESSAGE)

    @property
    def supporting_articles(self) -> tuple[str, ...]:
        """Distinct articles whose cited passage holds the answer (or a near-identical sentence)."""
        seen: dict[str, None] = {}
        for c in self.citations:
            if c.supports_answer:
                seen.setdefault(c.passage.doc_id, None)
        return tuple(seen)

    def to_dict(self) -> dict:
        """The JSON object of ``qa ask --json`` (see the README)."""
        out = {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.span.to_dict() if self.span else None,
            "citations": [c.to_dict() for c in self.citations],
        }
        if self.understood_question and self.understood_question != self.question:
            out["understood_question"] = self.understood_question
        if self.abstained:
            out["message"] = self.message or NO_ANSWER_MESSAGE
        return out
