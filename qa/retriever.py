"""Retrieval: a question in, the closest article passages out.

>>> from qa import Retriever
>>> retriever = Retriever.load(".qa/index")
>>> for passage in retriever.search("Qui a nié les livraisons ?", k=3):
...     print(passage.score, passage.title, passage.text[:80])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.settings import default_index_dir
from index.store import IndexLoadError, Store
from qa.question import clean_question
from qa.types import Passage

if TYPE_CHECKING:
    from index.encoder import Encoder

DEFAULT_K = 5
MAX_K = 100


@dataclass(frozen=True)
class Retrieval:
    """The question's vector and its passages (used by the answer extractor)."""

    question: str
    query_vector: np.ndarray
    passages: tuple[Passage, ...]


def encoder_for_index(store: Store, model: str | None = None) -> Encoder:
    """The encoder an index was built with (or ``model``), checked against the manifest."""
    from index.encoder import Encoder

    recorded = store.manifest["model"]
    encoder = Encoder(model if model is not None else recorded.get("spec"))
    if encoder.name != recorded["name"]:
        raise IndexLoadError(
            f"{store.path}: the index was built with the model {recorded['name']!r}, not {encoder.name!r}; "
            f"rebuild it with `qa index build --model ...` for that model, or use the index's model"
        )
    return encoder


class Retriever:
    """Searches an index; other applications embed this class."""

    def __init__(self, store: Store, encoder: Encoder) -> None:
        if encoder.dimension != store.model.dimension:
            raise IndexLoadError(
                f"{store.path}: the index holds {store.model.dimension}-dimensional vectors, the model makes "
                f"{encoder.dimension}; rebuild the index with this model"
            )
        self.store = store
        self.encoder = encoder

    @classmethod
    def load(cls, index_dir: str | Path | None = None, *, model: str | None = None) -> Retriever:
        """Open ``index_dir`` (default ``$QA_INDEX`` or ``.qa/index``) with the model it was built with."""
        store = Store.load(Path(index_dir) if index_dir is not None else default_index_dir())
        return cls(store, encoder_for_index(store, model))

    def search(self, question: str, *, k: int = DEFAULT_K) -> list[Passage]:
        """The ``k`` passages closest to ``question``, best first."""
        return list(self.retrieve(question, k=k).passages)

    def retrieve(self, question: str, *, k: int = DEFAULT_K, boost_docs: tuple[str, ...] = ()) -> Retrieval:
        """Like :meth:`search`, also returning the query vector; ``boost_docs`` favours some articles."""
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        question = clean_question(question)
        vector = self.encoder.encode_queries([question])[0]
        pool = min(len(self.store), max(k * 4, 20))
        scores, ids = self.store.search(vector[None, :], pool)
        ranked = [(float(s), int(i)) for s, i in zip(scores[0], ids[0]) if i >= 0]
        if boost_docs:
            wanted = set(boost_docs)
            ranked = [(s + (0.02 if self.store.chunk(i).doc_id in wanted else 0.0), i) for s, i in ranked]
            ranked.sort(key=lambda pair: -pair[0])
        passages = tuple(self.passage(i, score=s, rank=r) for r, (s, i) in enumerate(ranked[:k], start=1))
        return Retrieval(question=question, query_vector=vector, passages=passages)

    def passage(
        self, chunk_id: int, *, score: float, rank: int = 0, start: int | None = None, end: int | None = None
    ) -> Passage:
        """A :class:`Passage` for a chunk, optionally widened to ``[start, end)`` of its article."""
        chunk = self.store.chunk(chunk_id)
        article = self.store.article_by_id[chunk.doc_id]
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
        )
