"""French lexical retrieval: BM25 over the chunks, stored as plain files in the index directory.

The analysis is :func:`index.french.analyze` for chunks and questions alike (NFC, case and
accent folding, elisions with either apostrophe, French stop words, Snowball stems). Like
bm25s, the index is a vocabulary (JSON) and sparse arrays (``.npy``); unlike bm25s it stores
raw term counts, not precomputed scores, so that documents can be added and removed one
chunk id at a time — scores (IDF, length normalisation) are computed when the index is
opened, in milliseconds for tens of thousands of chunks.

Files (names in :data:`FILES`)::

    lexical.json          analyzer, k1, b, vocabulary (term of id i is vocab[i])
    lexical_postings.npy  int64 rows (chunk id, term id, count), sorted by chunk id

>>> lex = LexicalIndex.build({0: "Le Kremlin a démenti.", 1: "Pyongyang livre des obus."})
>>> [chunk for chunk, _ in lex.search("Qui a démenti ?", k=1)]
[0]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from index.french import analyze

ANALYZER = "french-fold-elision-stop-snowball/1"
META = "lexical.json"
POSTINGS = "lexical_postings.npy"
FILES = (META, POSTINGS)
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75


class LexicalIndex:
    """BM25 (Lucene's IDF) over documents keyed by integer chunk ids."""

    def __init__(self, *, k1: float = DEFAULT_K1, b: float = DEFAULT_B) -> None:
        if k1 < 0:
            raise ValueError(f"k1 must be >= 0, got {k1}")
        if not 0.0 <= b <= 1.0:
            raise ValueError(f"b must be between 0 and 1, got {b}")
        self.k1, self.b = float(k1), float(b)
        self.vocab: dict[str, int] = {}
        self._docs: dict[int, dict[int, int]] = {}  # chunk id -> {term id: count}
        self._ready = False

    # -- building and editing ----------------------------------------------------
    @classmethod
    def build(cls, texts: Mapping[int, str] | Iterable[str], *, k1: float = DEFAULT_K1, b: float = DEFAULT_B):
        """An index of ``texts``: a mapping chunk id → text, or texts numbered from 0."""
        index = cls(k1=k1, b=b)
        items = texts.items() if isinstance(texts, Mapping) else enumerate(texts)
        index.add(dict(items))
        return index

    def add(self, texts: Mapping[int, str]) -> None:
        """Add (or replace) documents: chunk id → text."""
        for chunk_id, text in texts.items():
            counts = Counter(analyze(text))
            self._docs[int(chunk_id)] = {self.vocab.setdefault(t, len(self.vocab)): n for t, n in counts.items()}
        self._ready = False

    def remove(self, chunk_ids: Iterable[int]) -> None:
        """Drop documents by chunk id (unknown ids are ignored)."""
        for chunk_id in chunk_ids:
            self._docs.pop(int(chunk_id), None)
        self._ready = False

    def renumber(self, mapping: Mapping[int, int]) -> None:
        """Give documents new chunk ids (``old → new``), e.g. after a store compacts its rows."""
        self._docs = {int(mapping.get(i, i)): terms for i, terms in self._docs.items()}
        self._ready = False

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._docs

    # -- scoring -----------------------------------------------------------------
    def _prepare(self) -> None:
        """Postings per term with their BM25 weights (term frequency part times IDF)."""
        ids = np.fromiter(self._docs, dtype=np.int64, count=len(self._docs))
        rows = [(i, t, n) for i in ids.tolist() for t, n in self._docs[i].items()]
        post = np.array(rows, dtype=np.int64).reshape(-1, 3)
        lengths = {i: sum(terms.values()) for i, terms in self._docs.items()}
        avg = (sum(lengths.values()) / len(lengths)) if lengths else 1.0
        n_docs = len(self._docs)
        df = np.bincount(post[:, 1], minlength=len(self.vocab)).astype(np.float64)
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        length = np.array([lengths[i] for i in post[:, 0].tolist()], dtype=np.float64)
        tf = post[:, 2].astype(np.float64)
        norm = tf + self.k1 * (1.0 - self.b + self.b * length / (avg or 1.0))
        weight = tf * (self.k1 + 1.0) / np.maximum(norm, 1e-9) * self.idf[post[:, 1]]
        order = np.argsort(post[:, 1], kind="stable")
        self._post_docs = post[order, 0]
        self._post_weights = weight[order]
        self._term_bounds = np.searchsorted(post[order, 1], np.arange(len(self.vocab) + 1))
        self._ready = True

    def query_terms(self, text: str) -> list[int]:
        """Term ids of ``text`` known to the index (repeats kept: a repeated word counts twice)."""
        return [self.vocab[t] for t in analyze(text) if t in self.vocab]

    def term_idf(self, terms: Iterable[str]) -> dict[str, float]:
        """IDF of analysed terms; a term the index has never seen gets the highest IDF."""
        if not self._ready:
            self._prepare()
        top = float(np.log(1.0 + (len(self._docs) + 0.5) / 0.5))
        return {t: float(self.idf[self.vocab[t]]) if t in self.vocab else top for t in terms}

    def scores(self, text: str) -> dict[int, float]:
        """BM25 score of every document sharing a term with ``text``."""
        if not self._ready:
            self._prepare()
        if not self._docs:
            return {}
        docs, weights = [], []
        for term in self.query_terms(text):
            a, b = self._term_bounds[term], self._term_bounds[term + 1]
            docs.append(self._post_docs[a:b])
            weights.append(self._post_weights[a:b])
        if not docs:
            return {}
        ids, inverse = np.unique(np.concatenate(docs), return_inverse=True)
        total = np.bincount(inverse, weights=np.concatenate(weights))
        return dict(zip(ids.tolist(), total.tolist()))

    def search(self, text: str, *, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` best ``(chunk id, score)`` pairs, best first (ties by chunk id)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        found = self.scores(text)
        return sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))[:k]

    # -- files -------------------------------------------------------------------
    def save(self, directory: str | Path) -> tuple[str, ...]:
        """Write :data:`FILES` into ``directory``; returns their names."""
        directory = Path(directory)
        vocab = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            vocab[i] = term
        meta = {"analyzer": ANALYZER, "k1": self.k1, "b": self.b, "documents": len(self._docs), "vocab": vocab}
        (directory / META).write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
        rows = [(i, t, n) for i in sorted(self._docs) for t, n in sorted(self._docs[i].items()) or [(-1, 0)]]
        np.save(directory / POSTINGS, np.array(rows, dtype=np.int64).reshape(-1, 3))
        return FILES

    @classmethod
    def load(cls, directory: str | Path) -> LexicalIndex:
        """Read an index written by :meth:`save`; ValueError if it was made by another analyzer."""
        directory = Path(directory)
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        if meta.get("analyzer") != ANALYZER:
            raise ValueError(f"{directory / META}: analyzer {meta.get('analyzer')!r}, expected {ANALYZER!r}")
        index = cls(k1=float(meta["k1"]), b=float(meta["b"]))
        index.vocab = {term: i for i, term in enumerate(meta["vocab"])}
        rows = np.load(directory / POSTINGS)
        docs: dict[int, dict[int, int]] = {}
        for chunk_id, term, count in rows.tolist():
            terms = docs.setdefault(chunk_id, {})
            if term >= 0:  # (chunk, -1, 0) keeps a document without terms
                terms[term] = count
        index._docs = docs
        if len(docs) != int(meta.get("documents", len(docs))):
            raise ValueError(f"{directory / POSTINGS}: {len(docs)} documents, {META} says {meta['documents']}")
        return index
