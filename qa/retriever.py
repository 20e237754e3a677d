"""Retrieval: a question in, the closest article passages out.

Three modes (``retrieval=``): ``dense`` (FAISS, the encoder's vectors), ``lexical`` (BM25 with
the French analysis, :mod:`index.lexical`) and ``hybrid`` (both, fused by :mod:`qa.fusion`),
the default because it measures best (``qa eval``, see the README).

>>> from qa import Retriever
>>> retriever = Retriever.load(".qa/index")
>>> for passage in retriever.search("Qui a nié les livraisons ?", k=3):
...     print(passage.score, passage.title, passage.text[:80])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.errors import IndexLoadError
from index.settings import default_index_dir
from index.store import Store
from qa.fusion import FusionSettings, fuse
from qa.question import clean_question
from qa.settings import DEFAULT_K, DEFAULT_RETRIEVAL, RETRIEVALS, check_k
from qa.types import Passage

if TYPE_CHECKING:
    from collections.abc import Mapping

    from index.article import Article
    from index.lexical import LexicalIndex
    from index.manifest import Manifest
    from index.models.encoder import Encoder

DEFAULT_FUSION = FusionSettings()
POOL = 50  # candidates taken from each list before fusing
_TOUCH = 2  # characters between two chunks of an article that still make them one passage


@dataclass(frozen=True)
class Retrieval:
    """The question's vector and its passages (used by the answer extractor)."""

    question: str
    query_vector: np.ndarray
    passages: tuple[Passage, ...]
    dense_scores: dict[int, float] = field(default_factory=dict, repr=False)  # chunk id -> cosine
    lexical_scores: dict[int, float] = field(default_factory=dict, repr=False)  # chunk id -> BM25


def encoder_for_index(store: Store, model: str | None = None, backend: str | None = None) -> Encoder:
    """The encoder an index was built with (its model and backend, or ``model``/``backend``), checked."""
    from index.models.encoder import encoder_for_model

    return encoder_for_model(store.manifest.model, model=model, backend=backend, where=store.path)


class Retriever:
    """Searches an index; other applications embed this class."""

    def __init__(
        self,
        store: Store,
        encoder: Encoder,
        *,
        retrieval: str = DEFAULT_RETRIEVAL,
        fusion: FusionSettings = DEFAULT_FUSION,
        merge_adjacent: bool = True,
    ) -> None:
        if retrieval not in RETRIEVALS:
            raise ValueError(f"retrieval must be one of {', '.join(RETRIEVALS)}, got {retrieval!r}")
        if encoder.dimension != store.manifest.model.dimension:
            raise IndexLoadError(
                f"{store.path}: the index holds {store.manifest.model.dimension}-dimensional vectors, the model makes "
                f"{encoder.dimension}; rebuild the index with this model"
            )
        self.store = store
        self.encoder = encoder
        self.retrieval = retrieval
        self.fusion = fusion
        self.merge_adjacent = merge_adjacent

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        model: str | None = None,
        retrieval: str = DEFAULT_RETRIEVAL,
        fusion: FusionSettings = DEFAULT_FUSION,
    ) -> Retriever:
        """Open ``index_dir`` (default ``$QA_INDEX`` or ``.qa/index``) with the model it was built with."""
        store = Store.load(Path(index_dir) if index_dir is not None else default_index_dir())
        return cls(store, encoder_for_index(store, model), retrieval=retrieval, fusion=fusion)

    @property
    def lexical(self) -> LexicalIndex:
        """The store's BM25 index."""
        return self.store.lexical

    @property
    def manifest(self) -> Manifest:
        """What the index records of how it was made (model, chunking, FAISS type…)."""
        return self.store.manifest

    def search(self, question: str, *, k: int = DEFAULT_K) -> list[Passage]:
        """The ``k`` passages closest to ``question``, best first."""
        return list(self.retrieve(question, k=k).passages)

    def retrieve(
        self,
        question: str,
        *,
        k: int = DEFAULT_K,
        boost_docs: tuple[str, ...] = (),
        exclude_docs: tuple[str, ...] = (),
    ) -> Retrieval:
        """Like :meth:`search`, also returning the query vector; ``boost_docs`` favours some articles.

        ``exclude_docs`` leaves articles out as if they were not indexed (the evaluation's
        unanswerable-by-removal questions; BM25's IDF still counts them).
        """
        check_k(k)
        question = clean_question(question)
        vector = self.encoder.encode_queries([question])[0]
        pool = min(len(self.store), max(k * 4, POOL))
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if self.retrieval != "lexical":
            scores, ids = self.store.search(vector[None, :], pool)
            dense = {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}
        if self.retrieval != "dense":
            lexical = dict(self.lexical.search(question, k=pool))
        if self.retrieval == "hybrid" and self.fusion.sentences:
            for chunk_id, sim in self._by_sentences(vector, (*dense, *lexical)).items():
                dense[chunk_id] = max(dense.get(chunk_id, -1.0), sim)
        if exclude_docs:
            gone = {self.store.article_number_of(d) for d in exclude_docs if self.store.has_article(d)}
            dense = {i: s for i, s in dense.items() if self.store.article_of_chunk(i) not in gone}
            lexical = {i: s for i, s in lexical.items() if self.store.article_of_chunk(i) not in gone}
        if self.retrieval == "dense":
            fused = dict(dense)
        elif self.retrieval == "lexical":
            fused = dict(lexical)
        else:
            fused = fuse(dense, lexical, self.fusion)
        if boost_docs:
            wanted = set(boost_docs)
            cosines = self.retrieval == "dense" or self.fusion.method == "weighted"
            bonus = 0.02 if cosines else 0.1 * max(fused.values(), default=0.0)
            fused = {i: s + (bonus if self.store.chunk(i).doc_id in wanted else 0.0) for i, s in fused.items()}
        ranked = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))
        passages = tuple(
            self.passage(i, score=s, rank=r, start=a, end=b, similarity=dense.get(i))
            for r, (i, s, a, b) in enumerate(
                self.merge(ranked, k=k) if self.merge_adjacent else self.unmerged(ranked, k=k), start=1
            )
        )
        return Retrieval(
            question=question, query_vector=vector, passages=passages, dense_scores=dense, lexical_scores=lexical
        )

    def _by_sentences(self, vector: np.ndarray, candidates: tuple[int, ...]) -> dict[int, float]:
        """The candidate chunks scored by their best sentence's similarity (a sentence says one thing;
        a chunk several). Only the candidates' sentences are compared with the question: as good, on
        PIAF and CNIL, as comparing every sentence of the index, and the cost does not grow with it."""
        chunk_ids = list(dict.fromkeys(candidates))
        rows = [self.store.sentence_rows_of_chunk(chunk_id) for chunk_id in chunk_ids]
        sizes = np.array([len(r) for r in rows])
        if not sizes.sum():
            return {}
        flat = np.concatenate(rows)
        sims = self.store.sentence_vectors_of(flat) @ np.asarray(vector, dtype=np.float32)
        firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        best = np.maximum.reduceat(sims, np.minimum(firsts, len(sims) - 1))
        return {c: float(b) for c, b, n in zip(chunk_ids, best.tolist(), sizes.tolist()) if n}

    @staticmethod
    def unmerged(ranked: list[tuple[int, float]], *, k: int) -> list[tuple[int, float, int | None, int | None]]:
        return [(i, s, None, None) for i, s in ranked[:k]]

    def merge(self, ranked: list[tuple[int, float]], *, k: int) -> list[tuple[int, float, int, int]]:
        """The first ``k`` passages of ``ranked`` chunks, a chunk that overlaps or touches a better one of
        its article widening it instead of taking a place: ``(chunk id, score, start, end)``."""
        out: list[list] = []
        for chunk_id, score in ranked:
            number, start, end = self.store.chunk_span(chunk_id)
            for slot in out:
                if slot[4] == number and start <= slot[3] + _TOUCH and slot[2] <= end + _TOUCH:
                    slot[2], slot[3] = min(slot[2], start), max(slot[3], end)
                    break
            else:
                if len(out) == k:
                    break
                out.append([chunk_id, score, start, end, number])
        return [(i, s, a, b) for i, s, a, b, _ in out]

    def passage(
        self,
        chunk_id: int,
        *,
        score: float,
        rank: int = 0,
        start: int | None = None,
        end: int | None = None,
        similarity: float | None = None,
    ) -> Passage:
        """A :class:`Passage` for a chunk, optionally widened to ``[start, end)`` of its article."""
        chunk = self.store.chunk(chunk_id)
        article = self.store.article(chunk.doc_id)
        a = chunk.start if start is None else start
        b = chunk.end if end is None else end
        return Passage(
            doc_id=article.doc_id,
            title=article.display_title,
            text=article.text[a:b],
            start=a,
            end=b,
            score=score,
            rank=rank,
            chunk_id=chunk_id,
            date=article.date,
            source=article.source,
            url=article.url,
            similarity=similarity,
        )

    @property
    def articles(self) -> Mapping[str, Article]:
        """The indexed articles by id, read-only (an article's text is read when asked for)."""
        return self.store.articles_by_id

    def article(self, doc_id: str) -> Article:
        """The indexed article ``doc_id``; a KeyError for an id the index does not hold."""
        return self.store.article(doc_id)
