"""Extractive answering: pick the sentence (or two) of the retrieved passages that answers best.

Every sentence that overlaps a retrieved passage is scored with a weighted sum of
- ``dense``: the encoder's query/passage similarity between the question and the sentence,
- ``lexical``: the share of the question's terms (French analysis, weighted by their BM25
  IDF) that the sentence holds,
- ``context``: the same share for the sentence with its neighbours and its article's title (a
  pronoun in the answer sentence often points at the subject named just before, or in the title),
- ``passage``: how high the retriever ranked the sentence's passage (``1 / rank``),
- ``passage_similarity``: the question's similarity to the sentence's passage (its chunk, which
  is embedded after its article's title: it says which article the sentence speaks of, which the
  sentence alone often does not),
- ``coverage``: in « Qui a <verbe> … ? » questions the verb *is* the question; a sentence that
  names the other terms but not the action answers another question (« Qui a nié les
  livraisons ? » is not answered by « les États-Unis ont affirmé que des livraisons… »).
  Measured as how much the sentence's similarity drops when the verb is left out of the
  question (occlusion), capped; only the verb of « qui » questions is occluded (occluding every
  content word measured worse, see bench/README.md).
With reading (:meth:`Extractor._read_closely`, on by default) the first sentences are then analysed
(:mod:`qa.reading`), re-ordered by a learned ranker and given a typed short answer (:mod:`qa.ranking`).
The best sentence is returned verbatim with its article offsets, joined with a neighbour
when the neighbour holds question terms that it lacks. Its score is mapped to a confidence
(:mod:`qa.calibration`); below the threshold the extractor abstains. Near-identical
sentences in other articles (the same wire story run by several outlets) are gathered
as supporting evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from index.french import STOP_WORDS, analyze, fold
from index.store import Store
from qa.calibration import DEFAULT_CALIBRATION, Calibration
from qa.types import AnswerSpan, Passage

if TYPE_CHECKING:
    from index.models.reader import Reader
    from qa.ranking import ReadingModel

_SUPPORT_SIMILARITY = 0.95
_COVERAGE_CAP = 0.01  # the verb cannot make up for more than this
# « Qui a nié… », « Qui l’a démenti… », « Qu’est-ce qui a été signé… », « Qui est-ce qui avait dit… »
_QUI_VERB = re.compile(
    r"^\s*(?:qui|qu['’]est-ce\s+qui|qui\s+est-ce\s+qui)\s+(?:d['’]autres?\s+|encore\s+)?(?:l['’]|les?\s+|la\s+|leur\s+|lui\s+|en\s+|y\s+)?"
    r"(?:a|ont|avait|avaient|aurait|auraient|aura|est|sont|était|étaient)\s+(?:-t-(?:il|elle)\s+)?"
    r"(?:déjà\s+|été\s+)?([^\W\d_]+(?:-[^\W\d_]+)?)",
    re.IGNORECASE,
)
_PAIR_GAIN = 0.25  # a neighbour must add this much of the question's term weight to be joined
# qa.reading's entity types as qa.short's kinds
_KINDS = {"PERSON": "person", "ORG": "person", "PLACE": "place", "DATE": "date", "DURATION": "date", "NUMBER": "number"}


@dataclass(frozen=True)
class ScoringWeights:
    """How the sentence score is made; the defaults were fitted on the dev sets (see README)."""

    dense: float = 1.0
    lexical: float = 0.1
    context: float = 0.05
    passage: float = 0.02
    coverage: float = 12.0
    passage_similarity: float = 1.0

    def __post_init__(self) -> None:
        for name in ("dense", "lexical", "context", "passage", "coverage", "passage_similarity"):
            if getattr(self, name) < 0:
                raise ValueError(f"ScoringWeights.{name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class Candidate:
    """A scored sentence: row in the store's sentence table, article offsets, score parts."""

    row: int
    doc_id: str
    start: int
    end: int
    score: float
    dense: float
    lexical: float
    passage_rank: int
    coverage: float = 0.0
    context: float = 0.0
    passage_similarity: float = 0.0
    relevance: float | None = None  # the reader's logit (None: not read)
    extractor_score: float | None = None  # the score before the reader's relevance was added
    answer_start: int | None = None  # the reader's answer span, article offsets
    answer_end: int | None = None
    ranking: float | None = None  # the reading ranker's logit (None: not read)
    reading: Mapping[str, float] | None = field(default=None, repr=False)  # qa.reading.features
    typed_start: int | None = None  # the typed short answer (qa.reading.answer), article offsets
    typed_end: int | None = None
    typed_kind: str | None = None
    previous_start: int | None = None  # the typed answer is in the sentence before, which starts here


class Extractor:
    """Scores the sentences of retrieved passages and picks the answer."""

    def __init__(
        self,
        store: Store,
        *,
        threshold: float | None = None,
        weights: ScoringWeights | None = None,
        calibration: Calibration | None = None,
        encoder=None,
        idf: Callable[[set[str]], dict[str, float]] | None = None,
        short_answers: bool = True,
        reader: Reader | None = None,
        reading: ReadingModel | None = None,
    ) -> None:
        """``reader``: the neural reader's head reads the first sentences with the question
        (:mod:`index.models.reader`); None: scores alone. ``reading``: the first sentences are analysed
        (:mod:`qa.reading`), re-ranked and given a typed short answer, and the confidence is the reading
        model's (:mod:`qa.ranking`); None: the extractor's order and ``calibration``. ``calibration``: of
        the answer's score without reading; None for the one fitted on PIAF dev. ``threshold``: None for the
        reading model's, or the calibration's."""
        calibration = DEFAULT_CALIBRATION if calibration is None else calibration
        if threshold is None:
            threshold = reading.threshold if reading is not None else calibration.threshold
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold is a confidence and must be between 0 and 1, got {threshold}")
        self.store = store
        self.threshold = threshold
        self.weights = weights or ScoringWeights()
        self.calibration = calibration
        self.encoder = encoder
        self.idf = idf
        self.short_answers = short_answers
        self.reader = reader
        self.reading = reading

    def _overlaps(self, terms: set[str], rows: list[int], idf) -> dict[int, tuple[float, set[str]]]:
        """Per sentence row: the IDF-weighted share of ``terms`` the sentence holds, and those terms."""
        out = {}
        for row in rows:
            found = terms & set(analyze(self.store.sentence(row).text))
            total = sum(idf.get(t, 1.0) for t in terms) or 1.0
            out[row] = (sum(idf.get(t, 1.0) for t in found) / total, found)
        return out

    def candidates(self, question: str, query_vector: np.ndarray, passages: Sequence[Passage]) -> list[Candidate]:
        """Every sentence overlapping a passage, scored, best first."""
        terms = set(analyze(question))
        idf = self.idf(terms) if self.idf is not None else {t: 1.0 for t in terms}
        w = self.weights
        seen: dict[int, int] = {}
        for passage in passages:
            for row in self.store.sentence_rows_in(passage.doc_id, passage.start, passage.end):
                row = int(row)
                seen[row] = min(seen.get(row, passage.rank or 1), passage.rank or 1)
        if not seen:
            return []
        rows = np.fromiter(seen, dtype=np.int64)
        vectors = self.store.sentence_vectors_of(rows)
        dense = vectors @ np.asarray(query_vector, dtype=np.float32)
        similarity = self._passage_similarities(passages, seen, dense)
        coverage = self.coverage(question, dense, vectors)
        near = {r: self.store.neighbours(r) for r in rows.tolist()}
        overlap = self._overlaps(terms, sorted(set(rows.tolist()) | {n for ns in near.values() for n in ns}), idf)
        total = sum(idf.values()) or 1.0
        titled: dict[str, set[str]] = {}  # doc_id -> the question's terms its title holds
        out = []
        for row, sim, cov in zip(rows.tolist(), dense.tolist(), coverage.tolist()):
            sentence = self.store.sentence(row)
            if sentence.text.rstrip(" »”\"").endswith("?"):
                continue  # a question (a headline, an interview) does not answer one
            lex, found = overlap[row]
            doc_id = sentence.doc_id
            if doc_id not in titled:
                titled[doc_id] = terms & set(analyze(self.store.article(doc_id).title or ""))
            joined = set(found).union(*(overlap[n][1] for n in near[row]), titled[doc_id])
            ctx = sum(idf.get(t, 1.0) for t in joined) / total
            rank = seen[row]
            psim = similarity.get(rank, 0.0)
            score = (
                w.dense * sim + w.lexical * lex + w.context * ctx + w.passage / rank + w.coverage * cov
                + w.passage_similarity * psim
            )
            out.append(Candidate(row, doc_id, sentence.start, sentence.end, score, sim, lex, rank, cov, ctx, psim))
        out.sort(key=lambda c: (-c.score, c.row))
        if self.reader is not None:
            out = self._read(question, out)
        return self._read_closely(question, out) if self.reading is not None else out

    def _read_closely(self, question: str, ranked: list[Candidate]) -> list[Candidate]:
        """The first sentences analysed (:mod:`qa.reading`) and re-ordered by the reading ranker, each with
        its reading features and typed short answer (a pronoun's antecedent may be in the sentence before)."""
        from qa.ranking import ranker_rows
        from qa.reading import analyze_question, analyze_sentences, reading_features, typed_answer
        from qa.reading.slots import slot_answer

        top = ranked[: self.reading.depth]
        if not top:
            return ranked
        analysis = analyze_question(question)
        previous = [next((r for r in self.store.neighbours(c.row) if r == c.row - 1), None) for c in top]
        sentences = analyze_sentences(
            [self.store.sentence(c.row).text for c in top],
            previous=[None if r is None else self.store.sentence(r).text for r in previous],
        )
        answers = [typed_answer(analysis, s) for s in sentences]
        readings = [reading_features(analysis, s, answer=a) for s, a in zip(sentences, answers)]
        plain = [c if c.extractor_score is None else replace(c, score=c.extractor_score) for c in top]
        logits = self.reading.ranker.logits(ranker_rows(plain, readings)).tolist()
        read = []
        for c, sentence, reading, logit, before, typed in zip(top, sentences, readings, logits, previous, answers):
            if typed is None and analysis.expected is None:  # que, quel statut, pourquoi, comment: a phrase
                typed = slot_answer(analysis, sentence)
            offset = None  # where the sentence holding the typed answer starts in the article
            if typed is not None and not typed.from_previous:
                offset = c.start
            elif typed is not None and before is not None:
                offset = self.store.sentence(before).start
            found = offset is not None
            read.append(replace(
                c, ranking=logit, reading=reading,
                typed_start=offset + typed.start if found else None,
                typed_end=offset + typed.end if found else None,
                typed_kind=typed.type if found else None,
                previous_start=offset if found and typed.from_previous else None,
            ))
        read.sort(key=lambda c: (-c.ranking, c.row))
        return read + ranked[len(top) :]

    def _read(self, question: str, ranked: list[Candidate]) -> list[Candidate]:
        """The reader's relevance added to the first sentences' scores (they stay first), and its spans."""
        top = ranked[: self.reader.depth]
        texts = [self.store.sentence(c.row).text for c in top]
        weight = self.reader.relevance_weight
        read = [
            replace(
                c, score=c.score + weight * r.relevance, relevance=r.relevance, extractor_score=c.score,
                answer_start=c.start + r.start, answer_end=c.start + r.end,
            )
            for c, r in zip(top, self.reader.read(question, texts))
        ]
        read.sort(key=lambda c: (-c.score, c.row))
        return read + ranked[len(top) :]

    @staticmethod
    def _passage_similarities(
        passages: Sequence[Passage], seen: dict[int, int], dense: np.ndarray
    ) -> dict[int, float]:
        """Per passage rank, the question's similarity to the passage: the retriever's (dense)
        similarity, or without one (lexical retrieval) that of its best sentence."""
        best: dict[int, float] = {}
        for rank, sim in zip(seen.values(), dense.tolist()):
            best[rank] = max(best.get(rank, -1.0), sim)
        out = {}
        for p in passages:
            rank = p.rank or 1
            if rank not in out:
                out[rank] = float(p.similarity) if p.similarity is not None else best.get(rank, 0.0)
        return out

    def coverage(self, question: str, dense: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Per sentence, how much its similarity drops when the verb of a « qui » question is left out."""
        verb = question_verb(question)
        if self.encoder is None or self.weights.coverage == 0 or verb is None:
            return np.zeros(len(dense), dtype=np.float32)
        drops = dense - self.encoder.encode_queries([occlude(question, verb)])[0] @ vectors.T
        return np.minimum(drops, _COVERAGE_CAP).astype(np.float32)

    def extent(self, question: str, top: Candidate) -> tuple[int, int]:
        """The answer's article offsets: the top sentence, or it and a neighbour that completes it."""
        terms = set(analyze(question))
        if not terms:
            return top.start, top.end
        idf = self.idf(terms) if self.idf is not None else {t: 1.0 for t in terms}
        neighbours = self.store.neighbours(top.row)
        overlap = self._overlaps(terms, [top.row, *neighbours], idf)
        own = overlap[top.row][1]
        total = sum(idf.values()) or 1.0
        best, gain = None, _PAIR_GAIN
        for row in neighbours:
            added = sum(idf.get(t, 1.0) for t in overlap[row][1] - own) / total
            if added >= gain:
                best, gain = row, added
        if best is None:
            return top.start, top.end
        neighbour = self.store.sentence(best)
        return min(top.start, neighbour.start), max(top.end, neighbour.end)

    def span(self, question: str, candidates: list[Candidate]) -> AnswerSpan | None:
        """The best candidate as an answer span with its confidence, whatever the threshold (None: no sentence).

        With reading, the confidence is the reading model's probability that the answer is right
        (:mod:`qa.ranking`: the sentence's extractor score and whether it holds an answer of the type
        asked); without, the calibration of the best extractor score. The head's relevance never enters
        it: trained listwise (which sentence of this question answers), it says nothing of whether any does."""
        if not candidates:
            return None
        top = candidates[0]
        article = self.store.article(top.doc_id)
        start, end = self.extent(question, top)
        if top.reading is not None:
            from qa.ranking import confidence_row

            evidence = top.score if top.extractor_score is None else top.extractor_score
            confidence = float(self.reading.confidence.probabilities(confidence_row(evidence, top.reading))[0])
            if top.previous_start is not None:  # the answer names who « il » is in the sentence before: show both
                start = min(start, top.previous_start)
        else:
            evidence = max(c.score if c.extractor_score is None else c.extractor_score for c in candidates)
            confidence = self.calibration.confidence(evidence)
        short = None
        if self.short_answers:  # the typed answer, else the patterns' pick, else the reader's span (bench/README.md)
            from qa.short import ShortAnswer, question_kind, short_answer

            if top.typed_start is not None and top.typed_end > top.typed_start:
                a, b = top.typed_start, top.typed_end
                short = ShortAnswer(article.text[a:b], a, b, kind=_KINDS.get(top.typed_kind, "thing"))
            elif not (top.reading or {}).get("type_absent"):  # no name, date or number of the type asked: none
                short = short_answer(question, article.text, start, end)
            if short is None and top.answer_start is not None and top.answer_end > top.answer_start:
                a, b = top.answer_start, top.answer_end
                short = ShortAnswer(article.text[a:b], a, b, kind=question_kind(question) or "thing")
        return AnswerSpan(
            text=article.text[start:end],
            doc_id=top.doc_id,
            start=start,
            end=end,
            score=evidence,
            confidence=confidence,
            short=short.text if short else None,
            short_start=short.start if short else None,
            short_end=short.end if short else None,
        )

    def best(self, candidates: list[Candidate], question: str = "") -> AnswerSpan | None:
        """The answer span, or ``None`` when its confidence is below the threshold."""
        span = self.span(question, candidates)
        if span is None or span.confidence < self.threshold:
            return None
        return span

    def supporting(self, top: Candidate, candidates: list[Candidate]) -> list[Candidate]:
        """Sentences of other articles that say the same thing as ``top``."""
        if len(candidates) < 2:
            return []
        rows = np.array([c.row for c in candidates], dtype=np.int64)
        vectors = self.store.sentence_vectors_of(rows)
        sims = vectors @ vectors[0]
        out, docs = [], {top.doc_id}
        for cand, sim in zip(candidates[1:], sims[1:].tolist()):
            if cand.doc_id not in docs and sim >= _SUPPORT_SIMILARITY:
                out.append(cand)
                docs.add(cand.doc_id)
        return out


def question_verb(question: str) -> str | None:
    """The verb of « Qui a <verbe> … ? » (``"nié"``), None for other questions."""
    match = _QUI_VERB.match(question)
    if match is None:
        return None
    verb = match.group(1)
    # « Qui est Kim Jong-un ? », « Qui est le ministre ? »: no verb, an attribute
    return None if verb[0].isupper() or fold(verb) in STOP_WORDS else verb


def occlude(question: str, word: str) -> str:
    """``question`` with every occurrence of ``word`` (a whole word) removed."""
    out = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", question)
    return re.sub(r"\s+", " ", out).strip()
