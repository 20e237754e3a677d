"""The assistant: a question (and the conversation so far) in, an extractive answer with citations out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.extract import Candidate, Extractor
from qa.followup import asks_for_another, rewrite
from qa.fusion import FusionSettings
from qa.question import clean_question
from qa.reader import head_requested, reader_requested
from qa.retriever import DEFAULT_FUSION, Retrieval, Retriever
from qa.settings import DEFAULT_K, DEFAULT_RETRIEVAL, check_k
from qa.types import NO_ANSWER_MESSAGE, Answer, AnswerSpan, Citation, Passage

if TYPE_CHECKING:
    from index.article import Article
    from index.models.reader import Reader


class Assistant:
    """Answers questions over an index.

    >>> assistant = Assistant.load(".qa/index")
    >>> answer = assistant.ask("Qui a nié les livraisons ?")
    >>> answer.text, [c.passage.doc_id for c in answer.citations]
    """

    def __init__(
        self,
        retriever: Retriever,
        *,
        k: int = DEFAULT_K,
        threshold: float | None = None,
        reader: bool | None = None,
        short_answers: bool = True,
        reader_head: bool | None = None,
    ) -> None:
        """``k``: passages retrieved and cited (1 to :data:`qa.settings.MAX_K`).
        ``threshold``: the confidence (0–1) below which to abstain; None for the calibrated default.
        ``reader``: analyse the first sentences with the question (:mod:`qa.reading`: the type of the
        answer, who does what), re-rank them, give the typed short answer and take the confidence of
        :mod:`qa.ranking`; None: as ``$QA_READER`` says (on unless it says 0); False is the fast path.
        ``short_answers``: False gives the sentence alone, never a short answer within it.
        ``reader_head``: also read them with the reader's learned head (:mod:`index.models.reader`; the
        index's model must be the default one), at a cost per sentence (bench/README.md); None: as
        ``$QA_READER_HEAD`` says (off when unset)."""
        self.retriever = retriever
        self.k = check_k(k)
        self.extractor = Extractor(
            retriever.store,
            threshold=threshold,
            encoder=retriever.encoder,
            idf=retriever.lexical.term_idf,
            short_answers=short_answers,
            reader=load_reader(retriever.encoder) if head_requested(reader_head) else None,
            reading=load_reading() if reader_requested(reader) else None,
        )

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        model: str | None = None,
        k: int = DEFAULT_K,
        threshold: float | None = None,
        retrieval: str = DEFAULT_RETRIEVAL,
        fusion: FusionSettings = DEFAULT_FUSION,
        reader: bool | None = None,
        short_answers: bool = True,
        reader_head: bool | None = None,
    ) -> Assistant:
        """The assistant over ``index_dir`` (default ``$QA_INDEX`` or ``.qa/index``), with its model."""
        retriever = Retriever.load(index_dir, model=model, retrieval=retrieval, fusion=fusion)
        return cls(retriever, k=k, threshold=threshold, reader=reader, short_answers=short_answers,
                   reader_head=reader_head)

    @property
    def article_count(self) -> int:
        """How many articles the answers come from."""
        return len(self.retriever.articles)

    @property
    def articles(self) -> Mapping[str, Article]:
        """The indexed articles by id, read-only (what a citation's ``doc_id`` names)."""
        return self.retriever.articles

    def article(self, doc_id: str) -> Article:
        """The indexed article ``doc_id``; a KeyError for an id the index does not hold."""
        return self.retriever.article(doc_id)

    def ask(self, question: str, history: Sequence[Answer] | None = None, *, k: int | None = None) -> Answer:
        """Answer ``question``; ``history`` (earlier answers, oldest first) gives follow-ups their context."""
        k = self.k if k is None else k
        asked = clean_question(question)
        understood, favoured = rewrite(asked, history)
        retrieval = self.retriever.retrieve(understood, k=k, boost_docs=favoured)
        avoid = answered_spans(history[-1]) if history and understood != asked and asks_for_another(asked) else ()
        return self.answer(asked, retrieval, k=k, understood=understood, avoid=avoid)

    def answer(
        self,
        asked: str,
        retrieval: Retrieval,
        *,
        k: int | None = None,
        understood: str | None = None,
        avoid: Sequence[tuple[str, int, int]] = (),
    ) -> Answer:
        """The answer from an already made retrieval (its first ``k`` passages).

        ``avoid``: ``(doc_id, start, end)`` spans not to answer with (an earlier answer, when the
        question asks for another one).
        """
        k = self.k if k is None else k
        understood = understood or retrieval.question
        passages = retrieval.passages[:k]
        candidates = self.extractor.candidates(understood, retrieval.query_vector, passages)
        if avoid:
            candidates = [c for c in candidates if not _within(c, avoid)]
        span = self.extractor.best(candidates, understood)
        if span is None:
            citations = tuple(Citation(rank=i, passage=p) for i, p in enumerate(passages, start=1))
            return Answer(
                question=asked,
                span=None,
                citations=citations,
                understood_question=understood,
                message=NO_ANSWER_MESSAGE,
            )
        support = [candidates[0], *self.extractor.supporting(candidates[0], candidates)]
        citations = self._citations(span, support, passages, k)
        return Answer(question=asked, span=span, citations=citations, understood_question=understood)

    def _citations(
        self, span: AnswerSpan, support: list[Candidate], passages: Sequence[Passage], k: int
    ) -> tuple[Citation, ...]:
        """Passages holding the answer (or a near-identical sentence) first, then the others."""
        cited: list[Citation] = []
        used: set[int] = set()
        for number, cand in enumerate(support):
            a, b = (span.start, span.end) if number == 0 else (cand.start, cand.end)  # the answer may be 2 sentences
            holder = next((p for p in passages if p.doc_id == cand.doc_id and p.start < b and a < p.end), None)
            if holder is None:
                continue
            start, end = min(holder.start, a), max(holder.end, b)
            widened = self.retriever.passage(
                holder.chunk_id,
                score=holder.score,
                rank=holder.rank,
                start=start,
                end=end,
                similarity=holder.similarity,
            )
            used.add(holder.chunk_id)
            cited.append(
                Citation(
                    rank=len(cited) + 1,
                    passage=widened,
                    highlight=(a - start, b - start),
                    supports_answer=True,
                )
            )
        for p in passages:
            if len(cited) >= max(k, len(support)):
                break
            if p.chunk_id in used:
                continue
            used.add(p.chunk_id)
            highlight = None
            if p.doc_id == span.doc_id and p.start <= span.start and span.end <= p.end:
                highlight = (span.start - p.start, span.end - p.start)
            cited.append(
                Citation(rank=len(cited) + 1, passage=p, highlight=highlight, supports_answer=highlight is not None)
            )
        return tuple(cited)


def answered_spans(answer: Answer) -> tuple[tuple[str, int, int], ...]:
    """``(doc_id, start, end)`` of an answer's sentence in every article that said it."""
    spans = []
    for c in answer.citations:
        if c.highlight is not None:
            a, b = c.highlight
            spans.append((c.passage.doc_id, c.passage.start + a, c.passage.start + b))
    if answer.span is not None:
        spans.append((answer.span.doc_id, answer.span.start, answer.span.end))
    return tuple(dict.fromkeys(spans))


def _within(candidate: Candidate, spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(candidate.doc_id == d and candidate.start < e and s < candidate.end for d, s, e in spans)


def load_reader(encoder) -> Reader | None:
    """The reader for the encoder's model, or None (another model, or it cannot be exported here:
    the extractor then answers alone, with a warning)."""
    from index.models.reader import Reader, ReaderUnavailableError

    try:
        return Reader.for_encoder(encoder)
    except (ReaderUnavailableError, OSError, ImportError) as exc:
        import warnings

        warnings.warn(f"answering without the reader: {exc}", RuntimeWarning, stacklevel=2)
        return None


def load_reading():
    """The reading model shipped with the package (:mod:`qa.ranking`)."""
    from qa.ranking import load_model

    return load_model()
