"""The index directory: a FAISS index and plain files that describe it.

Layout (every file is listed in the manifest with its size, so a missing or
truncated file is caught before it is used)::

    manifest.json        index.manifest.Manifest: model, chunking, FAISS type, BM25, corpus, versions, files
    articles.jsonl       one article per line: id, metadata and full text
    chunks.npy           int64 rows (article number, start, end): chunk id i is row i
    chunk_keys.npy       int64 FAISS id of each chunk row (absent: FAISS id i is chunk i)
    sentences.npy        int64 rows (article number, start, end), sorted by article then start
    sentence_vectors.npy float16 sentence embeddings (answer extraction; rows read on demand, :mod:`index.rows`)
    index.faiss          the chunk vectors (memory-mapped when opened for reading, where FAISS can)
    chunk_vectors.npy    float16 chunk vectors, row i for FAISS id i: only beside product-quantized
                         codes, whose candidates are re-scored with them (memory-mapped)
    lexical.json         the BM25 index of the chunks (:mod:`index.lexical`): analyzer, parameters, vocabulary
    lexical_*.npy        its term-major postings, counts, term bounds and chunk lengths (memory-mapped)

Id spaces (each method's argument name says which it takes):

- **article number**: the line of ``articles.jsonl`` (``0 … articles - 1``); users see ``doc_id``;
- **chunk id**: the row of ``chunks.npy`` (``0 … len - 1``); what search results, BM25 and passages use;
- **FAISS id**: the id FAISS stores for a chunk; equal to the chunk id unless updates
  (:mod:`index.writer`) renumbered rows, then ``chunk_keys.npy`` maps each chunk row to it, and FAISS ids
  of removed chunks an index type cannot delete (HNSW) are excluded from every search by an id selector;
- **sentence row**: the row of ``sentences.npy`` and ``sentence_vectors.npy``, sorted by article then start.

Code outside :mod:`index` uses the operations (:meth:`Store.sentence`, :meth:`Store.neighbours`,
:meth:`Store.sentence_rows_in`, :meth:`Store.chunk`, :meth:`Store.article_of_chunk`…), never the arrays.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.article import Article
from index.article_file import ArticleFile, ArticlesById
from index.chunking import Chunk
from index.errors import REBUILD_HINT, IndexError_, IndexLoadError
from index.faiss_index import (
    RESCORING_VECTORS,
    apply_search_params,
    live_selector,
    needs_rerank,
    rerank_candidates,
    rescore,
    search_parameters,
)
from index.manifest import Manifest
from index.rows import RowFile

__all__ = ["IndexError_", "IndexLoadError", "Sentence", "Store", "swap_in"]

ARTICLES = "articles.jsonl"
CHUNKS = "chunks.npy"
SENTENCES = "sentences.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
FAISS_INDEX = "index.faiss"
CHUNK_KEYS = "chunk_keys.npy"
CHUNK_VECTORS = RESCORING_VECTORS  # float16 vectors by FAISS id, beside product-quantized codes


@dataclass(frozen=True)
class Sentence:
    """One sentence of the index: its ``row`` (sentence row), its article (``doc_id`` and article
    ``number``) and its offsets in the article's text; ``text == article.text[start:end]``."""

    row: int
    doc_id: str
    number: int
    start: int
    end: int
    text: str


def _write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")


class Store:
    """An opened index directory: articles, chunks, sentences and the FAISS index."""

    def __init__(
        self,
        *,
        path: Path,
        manifest: Manifest,
        articles: Sequence[Article],
        chunks: np.ndarray,
        sentences: np.ndarray,
        sentence_vectors: np.ndarray,
        faiss_index,
        lexical=None,
        chunk_keys: np.ndarray | None = None,
        key_vectors: np.ndarray | None = None,
    ) -> None:
        self.path = Path(path)
        self.lexical = lexical  # index.lexical.LexicalIndex, or None for an index built without one
        self.manifest = manifest
        self.articles = articles  # a list, or an ArticleFile that reads them on demand
        ids = articles.doc_ids if isinstance(articles, ArticleFile) else [a.doc_id for a in articles]
        self.article_number = {doc_id: i for i, doc_id in enumerate(ids)}
        self.article_by_id = ArticlesById(articles, self.article_number)
        self.chunks = chunks
        self.sentences = sentences
        self.sentence_vectors = sentence_vectors
        self.faiss_index = faiss_index
        self.chunk_keys = chunk_keys  # None: FAISS id i is chunk i
        self.key_vectors = key_vectors  # exact (fp16) vector of FAISS id i, to re-score coarse codes; or None
        rescoring = manifest.faiss.rescoring
        self.rerank = rescoring.candidates_per_result if rescoring is not None and key_vectors is not None else 0
        self.rerank_max = rescoring.max_candidates if rescoring is not None else None
        self._row_of_key: np.ndarray | None = None
        self._live = None  # a faiss.IDSelector over the live FAISS ids, when FAISS holds removed ones
        if chunk_keys is not None:
            size = max(int(faiss_index.ntotal), _max_key(chunk_keys) + 1)
            self._row_of_key = np.full(size, -1, dtype=np.int64)
            self._row_of_key[chunk_keys] = np.arange(len(chunk_keys))
            if int(faiss_index.ntotal) != len(chunk_keys):  # removed chunks' vectors are still in FAISS
                self._live = live_selector(chunk_keys, size)
        self._search_params = search_parameters(faiss_index, self._live)
        # sentence rows of article i are sentences[sentence_bounds[i]:sentence_bounds[i + 1]]
        self.sentence_bounds = (
            np.searchsorted(sentences[:, 0], np.arange(len(articles) + 1))
            if len(sentences)
            else (np.zeros(len(articles) + 1, dtype=np.int64))
        )

    # -- reading: articles ------------------------------------------------------
    def __len__(self) -> int:
        """The number of chunks."""
        return int(self.chunks.shape[0])

    @property
    def article_count(self) -> int:
        return len(self.articles)

    def has_article(self, doc_id: str) -> bool:
        return doc_id in self.article_number

    def article(self, doc_id: str) -> Article:
        """The article ``doc_id`` (KeyError if it is not indexed)."""
        return self.article_by_id[doc_id]

    def article_number_of(self, doc_id: str) -> int:
        """The article number of ``doc_id`` (KeyError if it is not indexed)."""
        return self.article_number[doc_id]

    @property
    def articles_by_id(self) -> Mapping[str, Article]:
        """Every article by its id, read on demand."""
        return self.article_by_id

    # -- reading: chunks ---------------------------------------------------------
    def chunk(self, chunk_id: int) -> Chunk:
        """The chunk ``chunk_id`` with its text."""
        number, start, end = self.chunk_span(chunk_id)
        article = self.articles[number]
        return Chunk(doc_id=article.doc_id, start=start, end=end, text=article.text[start:end])

    def chunk_span(self, chunk_id: int) -> tuple[int, int, int]:
        """``(article number, start, end)`` of chunk ``chunk_id`` (no article is read)."""
        number, start, end = (int(x) for x in self.chunks[chunk_id])
        return number, start, end

    def article_of_chunk(self, chunk_id: int) -> int:
        """The article number of chunk ``chunk_id``."""
        return int(self.chunks[chunk_id][0])

    def sentence_rows_of_chunk(self, chunk_id: int) -> np.ndarray:
        """The sentence rows that overlap chunk ``chunk_id``."""
        return self.sentence_rows_of(*self.chunk_span(chunk_id))

    # -- reading: sentences ------------------------------------------------------
    def sentence(self, row: int) -> Sentence:
        """The sentence at sentence row ``row``, with its text."""
        number, start, end = (int(x) for x in self.sentences[row])
        article = self.articles[number]
        return Sentence(row=int(row), doc_id=article.doc_id, number=number, start=start, end=end,
                        text=article.text[start:end])

    def neighbours(self, row: int) -> list[int]:
        """The sentence rows just before and after sentence row ``row`` in its article."""
        number = int(self.sentences[row][0])
        lo, hi = int(self.sentence_bounds[number]), int(self.sentence_bounds[number + 1])
        return [r for r in (row - 1, row + 1) if lo <= r < hi]

    def sentence_vectors_of(self, rows: np.ndarray | Sequence[int]) -> np.ndarray:
        """The float32 vectors of sentence ``rows``, in that order."""
        return np.asarray(self.sentence_vectors[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    @property
    def dead(self) -> int:
        """FAISS entries of removed chunks still in the index (excluded from searches)."""
        return int(self.faiss_index.ntotal) - len(self)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS search: ``(scores, chunk ids)``, each of shape (n, k); id -1 pads.

        Beside product-quantized codes, FAISS proposes candidates (:func:`index.faiss_index.
        rerank_candidates`) and their exact fp16 vectors rank them; when that would be every
        chunk, all are scored exactly without FAISS (fast-scan may return fewer results than
        asked when k nears the number of codes it scans).
        """
        k = max(1, min(k, len(self)))
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.rerank > 1:
            asked = min(rerank_candidates(k, self.rerank, self.rerank_max), len(self))
            if asked >= len(self):
                live = self.chunk_keys if self.chunk_keys is not None else np.arange(len(self), dtype=np.int64)
                keys = np.broadcast_to(live, (len(vectors), len(live)))
            else:
                keys = self._faiss_search(vectors, asked)[1]
            scores, keys = rescore(vectors, keys, self.key_vectors, k)
        else:
            scores, keys = self._faiss_search(vectors, k)
        if self._row_of_key is None:
            return scores, keys
        rows = np.where(keys >= 0, self._row_of_key[np.maximum(keys, 0)], -1)
        return scores, rows

    def _faiss_search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._search_params is None:
            return self.faiss_index.search(vectors, k)
        return self.faiss_index.search(vectors, k, params=self._search_params)

    def sentence_rows_in(self, doc_id: str, start: int, end: int) -> np.ndarray:
        """The sentence rows of article ``doc_id`` that overlap ``[start, end)``."""
        return self.sentence_rows_of(self.article_number[doc_id], start, end)

    def sentence_rows_of(self, number: int, start: int, end: int) -> np.ndarray:
        """The sentence rows of article number ``number`` that overlap ``[start, end)`` (the article itself
        is not read)."""
        lo, hi = int(self.sentence_bounds[number]), int(self.sentence_bounds[number + 1])
        rows = self.sentences[lo:hi]
        first = lo + int(np.searchsorted(rows[:, 2], start, side="right"))
        last = lo + int(np.searchsorted(rows[:, 1], end, side="left"))
        return np.arange(first, max(first, last))

    # -- writing ---------------------------------------------------------------
    @staticmethod
    def write(
        path: Path,
        *,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
        sentences: Sequence[tuple[str, int, int]],
        sentence_vectors: np.ndarray,
        faiss_index,
        manifest: Manifest,
        lexical=None,
        chunk_keys: np.ndarray | None = None,
    ) -> None:
        """Write a complete index into the (new, empty) directory ``path``; ``manifest`` gets the list
        of files with their sizes and is written last.

        ``chunks`` are :class:`Chunk` objects or ready ``(article number, start, end)`` rows;
        ``chunk_keys`` the FAISS id of each chunk when it is not its position; ``chunk_vectors``
        (in chunk order) are kept, in fp16 by FAISS id, when the FAISS index holds product-
        quantized codes (:func:`index.faiss_index.needs_rerank`), and may be None otherwise.
        """
        import faiss

        rerank = needs_rerank(faiss_index)
        if rerank and chunk_vectors is None:
            raise ValueError("chunk_vectors are needed beside a product-quantized FAISS index (to re-score)")

        path = Path(path)
        path.mkdir(parents=True, exist_ok=False)
        number = {a.doc_id: i for i, a in enumerate(articles)}
        _write_jsonl(path / ARTICLES, [_article_row(a) for a in articles])
        if isinstance(chunks, np.ndarray):
            chunk_rows = chunks.astype(np.int64).reshape(-1, 3)
        else:
            chunk_rows = np.array([(number[c.doc_id], c.start, c.end) for c in chunks], dtype=np.int64).reshape(-1, 3)
        np.save(path / CHUNKS, chunk_rows)
        if isinstance(sentences, np.ndarray):
            sentence_rows = sentences.astype(np.int64).reshape(-1, 3)
        else:
            sentence_rows = np.array([(number[d], s, e) for d, s, e in sentences], dtype=np.int64).reshape(-1, 3)
        np.save(path / SENTENCES, sentence_rows)
        np.save(path / SENTENCE_VECTORS, np.asarray(sentence_vectors, dtype=np.float16))
        faiss.write_index(faiss_index, str(path / FAISS_INDEX))
        names = [ARTICLES, CHUNKS, SENTENCES, SENTENCE_VECTORS, FAISS_INDEX]
        if chunk_keys is not None and not np.array_equal(chunk_keys, np.arange(len(chunk_rows))):
            np.save(path / CHUNK_KEYS, np.asarray(chunk_keys, dtype=np.int64))
            names.append(CHUNK_KEYS)
        if rerank:
            keys = np.arange(len(chunk_rows)) if chunk_keys is None else np.asarray(chunk_keys, dtype=np.int64)
            if len(chunk_vectors) != len(keys):
                raise ValueError(f"{len(chunk_vectors)} chunk vectors for {len(keys)} chunks")
            by_key = np.zeros((max(int(faiss_index.ntotal), _max_key(keys) + 1), faiss_index.d), dtype=np.float16)
            by_key[keys] = np.asarray(chunk_vectors, dtype=np.float16)
            np.save(path / CHUNK_VECTORS, by_key)
            names.append(CHUNK_VECTORS)
            del by_key
        del chunk_vectors
        if lexical is not None:
            names += lexical.save(path)
        manifest.with_files(path, names).write(path)

    # -- loading ---------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> Store:
        """Open an index directory, checking it is complete; :class:`IndexLoadError` says to rebuild.

        With ``mmap`` (the default) the FAISS codes, the chunk table and the BM25 postings are
        memory-mapped read-only, and the sentence vectors (:mod:`index.rows`) and the articles'
        texts (:mod:`index.article_file`) are read when asked for: opening is fast and memory
        holds little more than the model. ``mmap=False`` loads everything (to update the index).
        """
        import faiss

        path = Path(path)
        manifest = Manifest.read(path)
        for name, size in manifest.files.items():
            file = path / name
            if not file.is_file():
                raise IndexLoadError(f"{path}: index file {name} is missing; {REBUILD_HINT}")
            if file.stat().st_size != size:
                raise IndexLoadError(
                    f"{path}: index file {name} has {file.stat().st_size} bytes, the manifest says {size} "
                    f"(truncated or modified); {REBUILD_HINT}"
                )
        try:
            if mmap:
                articles = ArticleFile(path / ARTICLES, parse=_article_from_row)
            else:
                articles = [_article_from_row(json.loads(line)) for line in (path / ARTICLES).open(encoding="utf-8")]
            mode = "r" if mmap else None
            chunks = np.load(path / CHUNKS, mmap_mode=mode)
            sentences = np.load(path / SENTENCES)
            sentence_vectors = RowFile(path / SENTENCE_VECTORS) if mmap else np.load(path / SENTENCE_VECTORS)
            flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
            try:
                faiss_index = faiss.read_index(str(path / FAISS_INDEX), flags)
            except RuntimeError:  # not every index type can be memory-mapped
                faiss_index = faiss.read_index(str(path / FAISS_INDEX))
            lexical = None
            if manifest.lexical is not None:
                from index.lexical import LexicalIndex

                lexical = LexicalIndex.load(path, mmap=mmap)
            chunk_keys = np.load(path / CHUNK_KEYS) if CHUNK_KEYS in manifest.files else None
            key_vectors = np.load(path / CHUNK_VECTORS, mmap_mode=mode) if CHUNK_VECTORS in manifest.files else None
            apply_search_params(faiss_index, manifest.faiss.params)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexLoadError(f"{path}: the index is corrupt ({exc}); {REBUILD_HINT}") from exc
        keys_ok = (
            faiss_index.ntotal == len(chunks)
            if chunk_keys is None
            else len(chunk_keys) == len(chunks) and faiss_index.ntotal >= len(chunks)
        )
        if key_vectors is not None:
            needed = len(chunks) if chunk_keys is None else _max_key(chunk_keys) + 1
            keys_ok = keys_ok and len(key_vectors) >= needed and key_vectors.shape[1:] == (faiss_index.d,)
        if (manifest.faiss.rescoring is not None and key_vectors is None) or (
            not keys_ok or len(sentence_vectors) != len(sentences)
        ):
            raise IndexLoadError(f"{path}: the index files disagree on their sizes; {REBUILD_HINT}")
        if faiss_index.d != manifest.model.dimension:
            raise IndexLoadError(f"{path}: FAISS dimension {faiss_index.d} differs from the manifest's; {REBUILD_HINT}")
        return cls(
            path=path,
            manifest=manifest,
            articles=articles,
            chunks=chunks,
            sentences=sentences,
            sentence_vectors=sentence_vectors,
            faiss_index=faiss_index,
            lexical=lexical,
            chunk_keys=chunk_keys,
            key_vectors=key_vectors,
        )


def _max_key(keys: np.ndarray) -> int:
    return int(keys.max()) if len(keys) else -1


def swap_in(new_dir: Path, target: Path) -> None:
    """Replace ``target`` by the finished ``new_dir``; the old index stays until the new one is in place."""
    new_dir, target = Path(new_dir), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(new_dir, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _article_row(article: Article) -> dict:
    row = asdict(article)
    if not row["extra"]:
        row.pop("extra")
    return row


def _article_from_row(row: dict) -> Article:
    return Article(**row)
