"""Extractive answering: pick the sentence of the retrieved passages that answers best.

Every sentence that overlaps a retrieved passage is scored with
- the encoder's query/passage similarity between the question and the sentence,
- term coverage: for each content word of the question, how much the similarity drops
  when that word is left out of the question (occlusion); the weakest word counts. A
  sentence that matches the topic but not the question's point (« ont affirmé que des
  livraisons… » for « Qui a nié les livraisons ? ») gains when « nié » is dropped, and
  so scores lower,
- the lexical overlap of the question's content words with the sentence (French analysis),
- the similarity of its passage (retrieval context).
The best sentence is returned verbatim with its article offsets; below
``threshold`` the extractor abstains. Near-identical sentences in other articles
(the same wire story run by several outlets) are gathered as supporting evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.french import analyze, content_words
from index.store import Store
from qa.types import AnswerSpan

DEFAULT_THRESHOLD = 0.81  # first value, set on eval/news-questions.jsonl: unanswerable max 0.78, answerable min 0.84
_SUPPORT_SIMILARITY = 0.95
_MAX_OCCLUDED = 6
_COVERAGE_CAP = 0.03  # a word cannot make up for more than this


@dataclass(frozen=True)
class ScoringWeights:
    """How the sentence score is made; the defaults were set on the news dev questions."""

    dense: float = 1.0
    lexical: float = 0.12
    passage: float = 0.25
    coverage: float = 8.0

    def __post_init__(self) -> None:
        for name in ("dense", "lexical", "passage", "coverage"):
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


def lexical_overlap(question_terms: set[str], sentence: str) -> float:
    """Share of the question's content terms found in ``sentence``."""
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(sentence))) / len(question_terms)


class Extractor:
    """Scores the sentences of retrieved passages and picks the answer."""

    def __init__(
        self,
        store: Store,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        weights: ScoringWeights | None = None,
        encoder=None,
    ) -> None:
        if not -1.0 <= threshold <= 3.0:
            raise ValueError(f"threshold must be between -1 and 3, got {threshold}")
        self.store = store
        self.threshold = threshold
        self.weights = weights or ScoringWeights()
        self.encoder = encoder

    def candidates(self, question: str, query_vector: np.ndarray, passages) -> list[Candidate]:
        """Every sentence overlapping a passage, scored, best first."""
        terms = set(analyze(question))
        w = self.weights
        seen: dict[int, tuple[int, float]] = {}
        for passage in passages:
            for row in self.store.sentence_rows(passage.doc_id, passage.start, passage.end):
                row = int(row)
                if row not in seen or seen[row][1] < passage.score:
                    seen[row] = (passage.rank, passage.score)
        if not seen:
            return []
        rows = np.fromiter(seen, dtype=np.int64)
        vectors = np.asarray(self.store.sentence_vectors[rows], dtype=np.float32)
        dense = vectors @ np.asarray(query_vector, dtype=np.float32)
        coverage = self.coverage(question, dense, vectors)
        out = []
        for row, sim, cov in zip(rows.tolist(), dense.tolist(), coverage.tolist()):
            number, start, end = (int(x) for x in self.store.sentences[row])
            article = self.store.articles[number]
            lex = lexical_overlap(terms, article.text[start:end])
            rank, passage_score = seen[row]
            semantic = (w.dense * sim + w.passage * passage_score) / ((w.dense + w.passage) or 1.0)
            score = semantic + w.lexical * lex + w.coverage * cov
            out.append(Candidate(row, article.doc_id, start, end, score, sim, lex, rank, cov))
        out.sort(key=lambda c: -c.score)
        return out

    def coverage(self, question: str, dense: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Per sentence, the smallest similarity drop when one content word is left out of the question."""
        words = content_words(question)[:_MAX_OCCLUDED]
        if self.encoder is None or self.weights.coverage == 0 or len(words) < 2:
            return np.zeros(len(dense), dtype=np.float32)
        occluded = [occlude(question, word) for word in words]
        drops = dense[None, :] - self.encoder.encode_queries(occluded) @ vectors.T
        return np.minimum(drops.min(axis=0), _COVERAGE_CAP)

    def best(self, candidates: list[Candidate]) -> AnswerSpan | None:
        """The answer span, or ``None`` when the best candidate is below the threshold."""
        if not candidates or candidates[0].score < self.threshold:
            return None
        top = candidates[0]
        article = self.store.article_by_id[top.doc_id]
        return AnswerSpan(
            text=article.text[top.start : top.end],
            doc_id=top.doc_id,
            start=top.start,
            end=top.end,
            score=top.score,
            confidence=confidence(top.score, self.threshold),
        )

    def supporting(self, top: Candidate, candidates: list[Candidate]) -> list[Candidate]:
        """Sentences of other articles that say the same thing as ``top``."""
        if len(candidates) < 2:
            return []
        rows = np.array([c.row for c in candidates], dtype=np.int64)
        vectors = np.asarray(self.store.sentence_vectors[rows], dtype=np.float32)
        sims = vectors @ vectors[0]
        out, docs = [], {top.doc_id}
        for cand, sim in zip(candidates[1:], sims[1:].tolist()):
            if cand.doc_id not in docs and sim >= _SUPPORT_SIMILARITY:
                out.append(cand)
                docs.add(cand.doc_id)
        return out


def occlude(question: str, word: str) -> str:
    """``question`` with every occurrence of ``word`` (a whole word) removed."""
    out = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", question)
    return re.sub(r"\s+", " ", out).strip()


def confidence(score: float, threshold: float, *, scale: float = 0.03) -> float:
    """A 0–1 confidence: 0.5 at the threshold, rising with the margin above it."""
    return float(1.0 / (1.0 + np.exp(-(score - threshold) / scale)))
