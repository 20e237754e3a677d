"""French lexical retrieval: BM25 over the chunks, stored as plain files in the index directory.

The analysis is :func:`index.french.analyze` for chunks and questions alike (NFC, case and
accent folding, elisions with either apostrophe, French stop words, Snowball stems). Like
bm25s, the index is a vocabulary (JSON) and flat arrays (``.npy``); unlike bm25s it stores
raw term counts, not precomputed scores, so that documents can be added and removed one
chunk id at a time — the BM25 weights of a term's postings are computed when a question
uses it. The arrays are term-major (the postings of term ``t`` are one slice) and opened
memory-mapped: opening an index of a million chunks reads the vocabulary only, and a
question touches only the pages of its own terms.

A chunk may carry its article's title (``add(texts, titles=...)``): the title's terms count
once more in the chunk (a word of the title is found in every chunk of its article), and are
flagged as such in the counts (:data:`TITLE_FLAG`), so that :meth:`LexicalIndex.term_idf` — how
rare a word is in the articles' own text, which the answer extractor weighs question words by
— is not skewed by titles repeated on every chunk.

Files (names in :data:`FILES`)::

    lexical.json          analyzer, layout, k1, b, number of documents, vocabulary (term of id i is vocab[i])
    lexical_postings.npy  int32 chunk ids, grouped by term id (then by chunk id)
    lexical_counts.npy    uint16 term counts in the chunk's text, parallel to the postings;
                          the high bit (TITLE_FLAG) set where the term is also in the title
    lexical_bounds.npy    int64: the postings of term t are [bounds[t], bounds[t + 1])
    lexical_lengths.npy   int32 analysed length of each chunk id; -1 where no document has that id

>>> lex = LexicalIndex.build({0: "Le Kremlin a démenti.", 1: "Pyongyang livre des obus."})
>>> [chunk for chunk, _ in lex.search("Qui a démenti ?", k=1)]
[0]
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.french import analyze

if TYPE_CHECKING:
    from index.manifest import LexicalEntry

ANALYZER = "french-fold-elision-stop-snowball/1"
LAYOUT = "term-major/3"
META = "lexical.json"
POSTINGS = "lexical_postings.npy"
COUNTS = "lexical_counts.npy"
BOUNDS = "lexical_bounds.npy"
LENGTHS = "lexical_lengths.npy"
FILES = (META, POSTINGS, COUNTS, BOUNDS, LENGTHS)
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
TITLE_FLAG = 0x8000  # in a count: the term is in the chunk's title
_MAX_COUNT = TITLE_FLAG - 1


class LexicalIndex:
    """BM25 (Lucene's IDF) over documents keyed by integer chunk ids."""

    def __init__(self, *, k1: float = DEFAULT_K1, b: float = DEFAULT_B) -> None:
        if k1 < 0:
            raise ValueError(f"k1 must be >= 0, got {k1}")
        if not 0.0 <= b <= 1.0:
            raise ValueError(f"b must be between 0 and 1, got {b}")
        self.k1, self.b = float(k1), float(b)
        self.vocab: dict[str, int] = {}
        self._docs = np.zeros(0, dtype=np.int32)  # postings: chunk ids, term-major
        self._counts = np.zeros(0, dtype=np.uint16)
        self._bounds = np.zeros(1, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.int32)  # -1: no document with this id
        self._ready = False

    # -- building and editing ----------------------------------------------------
    @classmethod
    def build(cls, texts: Mapping[int, str] | Iterable[str], *, k1: float = DEFAULT_K1, b: float = DEFAULT_B):
        """An index of ``texts``: a mapping chunk id → text, or texts numbered from 0."""
        index = cls(k1=k1, b=b)
        items = texts.items() if isinstance(texts, Mapping) else enumerate(texts)
        index.add(dict(items))
        return index

    def add(self, texts: Mapping[int, str], *, titles: Mapping[int, str | None] | None = None) -> None:
        """Add (or replace) documents: chunk id → text, and optionally chunk id → its article's title."""
        titles = titles or {}
        self._add_bags(
            (chunk_id, Counter(analyze(text)), set(analyze(titles.get(chunk_id) or "")))
            for chunk_id, text in texts.items()
        )

    def add_counts(self, documents: Mapping[int, Mapping[str, int]] | Iterable[tuple[int, Mapping[str, int]]]) -> None:
        """Add (or replace) documents given as analysed term counts: chunk id → {term: count}, or such pairs."""
        pairs = documents.items() if isinstance(documents, Mapping) else documents
        self._add_bags((chunk_id, bag, set()) for chunk_id, bag in pairs)

    def _add_bags(self, bags: Iterable[tuple[int, Mapping[str, int], set[str]]]) -> None:
        """Append the postings of each ``(chunk id, term counts, title terms)`` into flat buffers (4 bytes
        a number, whatever the number of documents), then merge them with the index's postings once."""
        ids, lengths = array("q"), array("q")
        docs, terms, counts = array("i"), array("i"), array("i")
        vocab = self.vocab
        for chunk_id, bag, title in bags:
            chunk_id = int(chunk_id)
            if chunk_id < 0:
                raise ValueError(f"chunk ids must be >= 0, got {chunk_id}")
            ids.append(chunk_id)
            lengths.append(sum(bag.values()) + len(title))
            for term in set(bag) | title:
                docs.append(chunk_id)
                terms.append(vocab.setdefault(term, len(vocab)))
                counts.append(min(int(bag.get(term, 0)), _MAX_COUNT) | (TITLE_FLAG if term in title else 0))
        if not ids:
            return
        new_ids = np.frombuffer(ids, dtype=np.int64)
        self.remove(new_ids)
        self._set_postings(
            np.concatenate([self._docs, np.frombuffer(docs, dtype=np.int32)]),
            np.concatenate([self._term_ids(), np.frombuffer(terms, dtype=np.int32)]),
            np.concatenate([self._counts, np.frombuffer(counts, dtype=np.int32)]),
        )
        size = max(len(self._lengths), int(new_ids.max()) + 1)
        grown = np.full(size, -1, dtype=np.int32)
        grown[: len(self._lengths)] = self._lengths
        grown[new_ids] = np.minimum(np.frombuffer(lengths, dtype=np.int64), np.iinfo(np.int32).max)
        self._lengths = grown

    def remove(self, chunk_ids: Iterable[int]) -> None:
        """Drop documents by chunk id (unknown ids are ignored)."""
        ids = np.asarray(list(chunk_ids) if not isinstance(chunk_ids, np.ndarray) else chunk_ids, dtype=np.int64)
        ids = ids[(ids >= 0) & (ids < len(self._lengths))]
        ids = ids[self._lengths[ids] >= 0]
        if not len(ids):
            return
        keep = ~np.isin(self._docs, ids)
        self._set_postings(self._docs[keep], self._term_ids()[keep], self._counts[keep])
        lengths = np.array(self._lengths, dtype=np.int32)
        lengths[ids] = -1
        self._lengths = lengths

    def renumber(self, mapping: Mapping[int, int]) -> None:
        """Give documents new chunk ids (``old → new``), e.g. after a store compacts its rows."""
        if not mapping:
            return
        present = np.flatnonzero(self._lengths >= 0)
        new_of = np.arange(len(self._lengths), dtype=np.int64)
        for old, new in mapping.items():
            if 0 <= int(old) < len(new_of):
                new_of[int(old)] = int(new)
        targets = new_of[present]
        if len(np.unique(targets)) != len(targets) or (len(targets) and targets.min() < 0):
            raise ValueError("renumbering would give two documents the same chunk id, or a negative one")
        lengths = np.full(int(targets.max()) + 1 if len(targets) else 0, -1, dtype=np.int32)
        lengths[targets] = self._lengths[present]
        self._set_postings(new_of[self._docs], self._term_ids(), self._counts)
        self._lengths = lengths

    def _term_ids(self) -> np.ndarray:
        """The term id of every posting (the postings are grouped by term)."""
        return np.repeat(np.arange(len(self._bounds) - 1, dtype=np.int32), np.diff(self._bounds))

    def _set_postings(self, docs: np.ndarray, terms: np.ndarray, counts: np.ndarray) -> None:
        order = np.lexsort((docs, terms))
        terms = terms[order]
        self._docs = np.asarray(docs[order], dtype=np.int32)
        self._counts = np.asarray(counts[order]).astype(np.uint16)
        self._bounds = np.searchsorted(terms, np.arange(len(self.vocab) + 1)).astype(np.int64)
        self._ready = False

    def __len__(self) -> int:
        return int(np.count_nonzero(self._lengths >= 0))

    def __contains__(self, chunk_id: object) -> bool:
        if not isinstance(chunk_id, (int, np.integer)):
            return False
        return 0 <= int(chunk_id) < len(self._lengths) and bool(self._lengths[int(chunk_id)] >= 0)

    # -- scoring -----------------------------------------------------------------
    def _prepare(self) -> None:
        """IDF of every term and the average document length (a pass over small arrays)."""
        present = self._lengths[self._lengths >= 0]
        self._n_docs = len(present)
        self._avg_length = float(present.mean()) if len(present) and present.mean() > 0 else 1.0
        df = np.diff(self._bounds).astype(np.float64)
        self.idf = np.log(1.0 + (self._n_docs - df + 0.5) / (df + 0.5))
        self._ready = True

    def _idf(self, df: float) -> float:
        return float(np.log(1.0 + (self._n_docs - df + 0.5) / (df + 0.5)))

    def query_terms(self, text: str) -> list[int]:
        """Term ids of ``text`` known to the index (repeats kept: a repeated word counts twice)."""
        return [self.vocab[t] for t in analyze(text) if t in self.vocab]

    def term_idf(self, terms: Iterable[str]) -> dict[str, float]:
        """IDF of analysed terms in the chunks' text (titles left out); a term never seen there gets
        the highest IDF."""
        if not self._ready:
            self._prepare()
        out = {}
        for term in terms:
            df = 0
            if term in self.vocab:  # the term's postings, less those where only the title has it
                a, b = int(self._bounds[self.vocab[term]]), int(self._bounds[self.vocab[term] + 1])
                df = b - a - int(np.count_nonzero(np.asarray(self._counts[a:b]) == TITLE_FLAG))
            out[term] = self._idf(df)
        return out

    def _score_arrays(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(chunk ids, BM25 scores)`` of every document sharing a term with ``text``."""
        if not self._ready:
            self._prepare()
        docs, weights = [], []
        for term in self.query_terms(text):
            a, b = int(self._bounds[term]), int(self._bounds[term + 1])
            if a == b:
                continue
            ids = np.asarray(self._docs[a:b])
            counts = np.asarray(self._counts[a:b])
            tf = (counts & _MAX_COUNT).astype(np.float64) + (counts >= TITLE_FLAG)  # a title word counts once more
            norm = tf + self.k1 * (1.0 - self.b + self.b * self._lengths[ids] / self._avg_length)
            docs.append(ids)
            weights.append(tf * (self.k1 + 1.0) / np.maximum(norm, 1e-9) * self.idf[term])
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids, w = np.concatenate(docs), np.concatenate(weights)
        if len(ids) * 8 >= len(self._lengths):  # long postings: a dense accumulator is faster than sorting
            total = np.bincount(ids, weights=w, minlength=len(self._lengths))
            hit = np.zeros(len(self._lengths), dtype=bool)
            hit[ids] = True
            found = np.flatnonzero(hit)
            return found, total[found]
        found, inverse = np.unique(ids, return_inverse=True)
        return found.astype(np.int64), np.bincount(inverse, weights=w)

    def scores(self, text: str) -> dict[int, float]:
        """BM25 score of every document sharing a term with ``text``."""
        ids, totals = self._score_arrays(text)
        return dict(zip(ids.tolist(), totals.tolist()))

    def search(self, text: str, *, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` best ``(chunk id, score)`` pairs, best first (ties by chunk id)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        ids, totals = self._score_arrays(text)
        if len(ids) > k:  # keep the k best, and every document tied with the k-th
            kth = np.partition(totals, len(totals) - k)[len(totals) - k]
            keep = totals >= kth
            ids, totals = ids[keep], totals[keep]
        order = np.lexsort((ids, -totals))[:k]
        return list(zip(ids[order].tolist(), totals[order].tolist()))

    # -- files -------------------------------------------------------------------
    def manifest_entry(self) -> LexicalEntry:
        """The index manifest's ``lexical`` section."""
        from index.manifest import LexicalEntry

        return LexicalEntry(analyzer=ANALYZER, layout=LAYOUT, k1=self.k1, b=self.b)

    def save(self, directory: str | Path) -> tuple[str, ...]:
        """Write :data:`FILES` into ``directory``; returns their names."""
        directory = Path(directory)
        vocab = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            vocab[i] = term
        meta = {
            "analyzer": ANALYZER,
            "layout": LAYOUT,
            "k1": self.k1,
            "b": self.b,
            "documents": len(self),
            "vocab": vocab,
        }
        (directory / META).write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
        np.save(directory / POSTINGS, np.ascontiguousarray(self._docs, dtype=np.int32))
        np.save(directory / COUNTS, np.ascontiguousarray(self._counts, dtype=np.uint16))
        np.save(directory / BOUNDS, np.ascontiguousarray(self._bounds, dtype=np.int64))
        np.save(directory / LENGTHS, np.ascontiguousarray(self._lengths, dtype=np.int32))
        return FILES

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> LexicalIndex:
        """Read an index written by :meth:`save` (memory-mapped unless ``mmap=False``).

        ValueError if it was made by another analyzer or its files disagree.
        """
        directory = Path(directory)
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        if meta.get("analyzer") != ANALYZER:
            raise ValueError(f"{directory / META}: analyzer {meta.get('analyzer')!r}, expected {ANALYZER!r}")
        index = cls(k1=float(meta["k1"]), b=float(meta["b"]))
        index.vocab = {term: i for i, term in enumerate(meta["vocab"])}
        if meta.get("layout") != LAYOUT:
            raise ValueError(f"{directory / META}: layout {meta.get('layout')!r}, this version reads {LAYOUT!r}")
        mode = "r" if mmap else None
        index._docs = np.load(directory / POSTINGS, mmap_mode=mode)
        index._counts = np.load(directory / COUNTS, mmap_mode=mode)
        index._bounds = np.load(directory / BOUNDS)
        index._lengths = np.load(directory / LENGTHS)
        problem = None
        if len(index._bounds) != len(index.vocab) + 1:
            problem = f"{BOUNDS} has {len(index._bounds)} entries for {len(index.vocab)} terms"
        elif len(index._docs) != len(index._counts) or int(index._bounds[-1]) != len(index._docs):
            problem = f"{POSTINGS}, {COUNTS} and {BOUNDS} disagree on the number of postings"
        elif len(index) != int(meta.get("documents", len(index))):
            problem = f"{LENGTHS} holds {len(index)} documents, {META} says {meta['documents']}"
        if problem:
            raise ValueError(f"{directory}: {problem}")
        return index
