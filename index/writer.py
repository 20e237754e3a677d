"""The one writer of index directories: build, add, remove.

Every write runs the same pipeline: articles → chunks (with their titles) → vectors →
FAISS + BM25 → manifest → a complete new directory beside the target → swap. A failed or
interrupted write leaves the previous index working. :func:`build_index` starts from nothing;
:func:`add_articles` and :func:`remove_articles` start from the current index, embed only the
new articles and carry everything else over; :func:`write_index` is the last two steps for a
caller that made its own rows and vectors (``bench/million.py``).

Ids after an update: chunk ids stay ``0 … n - 1``; the FAISS id of each chunk row is kept in
``chunk_keys.npy`` when it differs. On removal, Flat and IVF indexes delete the vectors; HNSW
cannot, so the removed ids stay in the graph but are filtered out of every search
(:class:`index.store.Store`), and the graph is rebuilt from its own vectors once removed entries
pass :data:`COMPACT_FRACTION`. Removed chunks are therefore never returned. An ``auto`` index
that grows past the size threshold is converted from exact to approximate search on the way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.article import Article, load_article, load_corpus
from index.chunking import Chunk, Chunker, ChunkingSettings, chunk_title, indexed_text
from index.faiss_index import (
    AUTO,
    EXACT_FACTORY,
    choose_factory,
    make_faiss_index,
    manifest_entry,
    needs_rerank,
    renumbers_on_remove,
    stored_vectors,
    supports_remove,
)
from index.french import sentence_spans
from index.lexical import LexicalIndex
from index.manifest import ChunkingEntry, CorpusEntry, Manifest, ModelEntry
from index.store import Store, swap_in

if TYPE_CHECKING:
    from index.models.encoder import Encoder

DEFAULT_FACTORY = AUTO  # exact search for small corpora, an inverted file above index.faiss_index.AUTO_THRESHOLD chunks
COMPACT_FRACTION = 0.25  # rebuild the FAISS index when this share of its entries are removed chunks


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced, for the CLI's summary and for benchmarks."""

    index_dir: str
    articles: int
    chunks: int
    sentences: int
    dimension: int
    model: str
    factory: str
    seconds: float
    embed_seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.embed_seconds if self.embed_seconds > 0 else float("inf")


@dataclass(frozen=True)
class UpdateSummary:
    """What an update did."""

    index_dir: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    removed: tuple[str, ...]
    chunks_added: int
    chunks_removed: int
    chunks: int
    factory: str
    seconds: float


def corpus_fingerprint(articles: Iterable[Article]) -> str:
    """A hash of every article's id, metadata and text: equal corpora, equal fingerprints."""
    digest = hashlib.sha256()
    for a in articles:
        digest.update(json.dumps([a.doc_id, a.title, a.source, a.date, a.url, a.text], ensure_ascii=False).encode())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape an index (read from metadata: nothing is imported)."""
    from importlib.metadata import PackageNotFoundError, version

    import faiss

    from index import __version__ as index_version

    out = {"qa": index_version, "faiss": faiss.__version__, "numpy": np.__version__}
    for dist, key in (("sentence-transformers", "sentence_transformers"), ("onnxruntime", "onnxruntime")):
        with contextlib.suppress(PackageNotFoundError):
            out[key] = version(dist)
    return out


def model_entry(encoder: Encoder) -> ModelEntry:
    """The manifest's ``model`` section for ``encoder`` (a test encoder has no backend)."""
    spec = getattr(encoder, "spec", None) or ("default" if getattr(encoder, "is_default", False) else encoder.name)
    backend = getattr(encoder, "backend", None)
    query_backend = None
    if backend is not None:
        from index.models.encoder import QUERY_BACKEND

        query_backend = QUERY_BACKEND.get(backend, backend)
    return ModelEntry(name=encoder.name, spec=str(spec), dimension=encoder.dimension, prompts=dict(encoder.prompts),
                      backend=backend, query_backend=query_backend)


@dataclass(frozen=True)
class _Embedded:
    """New articles as index rows: their chunks and sentences, vectors, and BM25 texts and titles."""

    chunks: list[Chunk]
    sentences: list[tuple[str, int, int]]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    embed_seconds: float

    def add_to(self, lexical: LexicalIndex, articles: Sequence[Article], *, first: int, titles: bool) -> None:
        """Index the chunks in ``lexical`` as chunk ids ``first, first + 1, …``, with their titles."""
        by_id = {a.doc_id: a for a in articles}
        lexical.add(
            {first + i: c.text for i, c in enumerate(self.chunks)},
            titles={first + i: chunk_title(c.text, by_id[c.doc_id].title, titles=titles)
                    for i, c in enumerate(self.chunks)},
        )


def _embed(
    articles: Sequence[Article], chunking: ChunkingSettings, encoder: Encoder, progress: bool | None
) -> _Embedded:
    """Chunk, split into sentences and embed ``articles`` (each chunk after its title, see index.chunking)."""
    chunker = Chunker(chunking)
    chunks = [chunk for article in articles for chunk in chunker.split(article)]
    sentences = [(a.doc_id, s, e) for a in articles for s, e in sentence_spans(a.text)]
    by_id = {a.doc_id: a for a in articles}
    texts = [indexed_text(c.text, by_id[c.doc_id].title, titles=chunking.titles) for c in chunks]
    began = time.perf_counter()
    chunk_vectors = encoder.encode_passages(texts, progress=progress)
    embed_seconds = time.perf_counter() - began
    sentence_vectors = encoder.encode_passages([by_id[d].text[s:e] for d, s, e in sentences], progress=progress)
    return _Embedded(chunks, sentences, chunk_vectors, sentence_vectors, embed_seconds)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_index(
    index_dir: Path,
    *,
    articles: Sequence[Article],
    chunks: Sequence[Chunk] | np.ndarray,
    sentences: Sequence[tuple[str, int, int]] | np.ndarray,
    sentence_vectors: np.ndarray,
    faiss_index,
    lexical: LexicalIndex,
    model: ModelEntry,
    chunking: ChunkingEntry,
    requested: str,
    chunk_vectors: np.ndarray | None = None,
    chunk_keys: np.ndarray | None = None,
    created: str | None = None,
) -> Manifest:
    """Write a complete index into a new directory beside ``index_dir`` and swap it in.

    ``chunks``/``sentences``: :class:`Chunk` objects and ``(doc_id, start, end)`` tuples, or ready
    ``(article number, start, end)`` rows; ``chunk_keys`` the FAISS id of each chunk when it is not
    its row; ``created``: the first build's time, for an update. Returns the manifest written.
    """
    ntotal = int(faiss_index.ntotal)
    manifest = Manifest(
        created=created or _now(),
        updated=_now() if created else None,
        model=model,
        chunking=chunking,
        faiss=manifest_entry(faiss_index, requested=requested, removed=ntotal - len(chunks)),
        lexical=lexical.manifest_entry(),
        corpus=CorpusEntry(fingerprint=corpus_fingerprint(articles), articles=len(articles), chunks=len(chunks),
                           sentences=len(sentences)),
        versions=library_versions(),
    )
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.writing-", dir=index_dir.parent))
    try:
        new_dir = staging / "index"
        Store.write(new_dir, articles=articles, chunks=chunks, chunk_vectors=chunk_vectors, sentences=sentences,
                    sentence_vectors=sentence_vectors, faiss_index=faiss_index, manifest=manifest, lexical=lexical,
                    chunk_keys=chunk_keys)
        swap_in(new_dir, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Manifest.read(index_dir)


def build_index(
    corpus: Path | list[Article],
    index_dir: Path,
    *,
    encoder: Encoder,
    chunking: ChunkingSettings | None = None,
    factory: str = DEFAULT_FACTORY,
    progress: bool | None = None,
) -> BuildSummary:
    """Build the index of ``corpus`` (a folder or loaded articles) into ``index_dir``.

    ``factory``: ``"auto"`` (exact search for small corpora, an inverted file for large ones, see
    :mod:`index.faiss_index`) or any FAISS factory string.
    """
    began = time.perf_counter()
    articles = corpus if isinstance(corpus, list) else load_corpus(Path(corpus))
    chunking = chunking or ChunkingSettings()
    new = _embed(articles, chunking, encoder, progress)
    faiss_index = make_faiss_index(new.chunk_vectors, factory=factory)
    lexical = LexicalIndex()
    new.add_to(lexical, articles, first=0, titles=chunking.titles)
    manifest = write_index(
        index_dir, articles=articles, chunks=new.chunks, sentences=new.sentences,
        sentence_vectors=new.sentence_vectors, faiss_index=faiss_index, lexical=lexical,
        model=model_entry(encoder), chunking=ChunkingEntry(chunking), requested=factory,
        chunk_vectors=new.chunk_vectors,
    )
    return BuildSummary(
        index_dir=str(index_dir), articles=len(articles), chunks=len(new.chunks), sentences=len(new.sentences),
        dimension=encoder.dimension, model=encoder.name, factory=manifest.faiss.factory,
        seconds=time.perf_counter() - began, embed_seconds=new.embed_seconds,
    )


def add_articles(
    index_dir: str | Path,
    articles: Sequence[Article | str | Path],
    *,
    encoder: Encoder | None = None,
    progress: bool | None = None,
) -> UpdateSummary:
    """Add articles (objects or files) to the index; an article whose id is already indexed is
    replaced. ``encoder`` defaults to the index's model and backend."""
    loaded = [a if isinstance(a, Article) else load_article(Path(a)) for a in articles]
    if not loaded:
        raise ValueError("no article to add")
    ids = [a.doc_id for a in loaded]
    twice = sorted({d for d in ids if ids.count(d) > 1})
    if twice:
        raise ValueError(f"article ids given more than once: {', '.join(twice)}")
    return _update(Path(index_dir), add=loaded, remove=(), encoder=encoder, progress=progress)


def remove_articles(index_dir: str | Path, doc_ids: Iterable[str]) -> UpdateSummary:
    """Remove articles by id; a ValueError names ids that are not in the index."""
    doc_ids = tuple(dict.fromkeys(doc_ids))
    if not doc_ids:
        raise ValueError("no article id to remove")
    return _update(Path(index_dir), add=(), remove=doc_ids, encoder=None, progress=False)


def _update(
    index_dir: Path, *, add: Sequence[Article], remove: Sequence[str], encoder: Encoder | None, progress: bool | None
) -> UpdateSummary:
    import faiss

    began = time.perf_counter()
    store = Store.load(index_dir, mmap=False)
    unknown = [d for d in remove if not store.has_article(d)]
    if unknown:
        raise ValueError(f"not in the index {index_dir}: {', '.join(unknown)}")
    replaced = tuple(a.doc_id for a in add if store.has_article(a.doc_id))
    gone = set(remove) | set(replaced)

    # -- what stays, renumbered ------------------------------------------------------------
    kept_numbers = [i for i, a in enumerate(store.articles) if a.doc_id not in gone]
    number_map = np.full(len(store.articles), -1, dtype=np.int64)
    number_map[kept_numbers] = np.arange(len(kept_numbers))
    articles = [store.articles[i] for i in kept_numbers]
    chunks = np.asarray(store.chunks)
    keys = store.chunk_keys if store.chunk_keys is not None else np.arange(len(chunks), dtype=np.int64)
    keep = number_map[chunks[:, 0]] >= 0
    row_map = np.cumsum(keep) - 1  # old row -> new row, for kept rows
    chunk_rows = chunks[keep].copy()
    chunk_rows[:, 0] = number_map[chunk_rows[:, 0]]
    sentence_keep = number_map[store.sentences[:, 0]] >= 0
    sentence_rows = store.sentences[sentence_keep].copy()
    sentence_rows[:, 0] = number_map[sentence_rows[:, 0]]
    sentence_vectors = np.asarray(store.sentence_vectors)[sentence_keep]
    index = store.faiss_index
    key_vectors = None if store.key_vectors is None else np.asarray(store.key_vectors)  # exact, by FAISS id
    removed_keys = keys[~keep]
    if len(removed_keys) and supports_remove(index):
        index.remove_ids(faiss.IDSelectorBatch(removed_keys))
        keys = np.arange(int(keep.sum()), dtype=np.int64) if renumbers_on_remove(index) else keys[keep]
    else:
        keys = keys[keep]
    lexical = store.lexical
    lexical.remove(np.flatnonzero(~keep).tolist())
    lexical.renumber({int(old): int(row_map[old]) for old in np.flatnonzero(keep)})

    # -- what is new -----------------------------------------------------------------------
    chunking = store.manifest.chunking.settings
    chunks_added = 0
    if add:
        if encoder is None:
            from index.models.encoder import encoder_for_model

            encoder = encoder_for_model(store.manifest.model, queries=False, where=index_dir)
        elif encoder.name != store.manifest.model.name:
            raise ValueError(
                f"{index_dir} was built with the model {store.manifest.model.name!r}, not {encoder.name!r}; "
                "add with the index's model or rebuild"
            )
        new = _embed(add, chunking, encoder, progress)
        chunks_added = len(new.chunks)
        first = len(articles)
        number = {a.doc_id: first + i for i, a in enumerate(add)}
        articles += list(add)
        new.add_to(lexical, add, first=len(chunk_rows), titles=chunking.titles)
        added_chunks = np.array([(number[c.doc_id], c.start, c.end) for c in new.chunks], dtype=np.int64)
        added_sentences = np.array([(number[d], s, e) for d, s, e in new.sentences], dtype=np.int64)
        chunk_rows = np.vstack([chunk_rows, added_chunks.reshape(-1, 3)])
        sentence_rows = np.vstack([sentence_rows, added_sentences.reshape(-1, 3)])
        sentence_vectors = np.vstack([sentence_vectors, new.sentence_vectors.astype(np.float16)])
        next_key = max(int(index.ntotal), int(keys.max()) + 1 if len(keys) else 0)
        new_keys = np.arange(next_key, next_key + len(new.chunks), dtype=np.int64)
        vectors = np.ascontiguousarray(new.chunk_vectors, dtype=np.float32)
        if int(index.ntotal) == next_key:
            index.add(vectors)  # FAISS numbers them ntotal, ntotal + 1, …
        else:
            index.add_with_ids(vectors, new_keys)
        keys = np.concatenate([keys, new_keys])
        if key_vectors is not None:
            grown = np.zeros((next_key + len(new_keys), key_vectors.shape[1]), dtype=np.float16)
            grown[: min(len(key_vectors), next_key)] = key_vectors[:next_key]
            grown[new_keys] = vectors.astype(np.float16)
            key_vectors = grown

    # -- keep the index type right for its size, and compact ------------------------------------
    requested, factory = store.manifest.faiss.requested, store.manifest.faiss.factory
    dimension = store.manifest.model.dimension
    wanted = choose_factory(requested, len(chunk_rows), dimension=dimension) if requested.lower() == AUTO else factory
    dead = int(index.ntotal) - len(keys)
    live = None  # the live chunks' vectors in chunk order, when known
    if wanted != factory or (dead and dead >= COMPACT_FRACTION * int(index.ntotal)):
        live = stored_vectors(index, keys) if key_vectors is None else key_vectors[keys].astype(np.float32)
        index = make_faiss_index(live, factory=wanted if len(live) else EXACT_FACTORY)
        keys = np.arange(len(live), dtype=np.int64)
    if live is None and needs_rerank(index):
        live = stored_vectors(index, keys) if key_vectors is None else key_vectors[keys]

    manifest = write_index(
        index_dir, articles=articles, chunks=chunk_rows, sentences=sentence_rows, sentence_vectors=sentence_vectors,
        faiss_index=index, lexical=lexical, model=store.manifest.model, chunking=store.manifest.chunking,
        requested=requested, chunk_vectors=live, chunk_keys=keys, created=store.manifest.created,
    )
    return UpdateSummary(
        index_dir=str(index_dir),
        added=tuple(a.doc_id for a in add if a.doc_id not in replaced),
        replaced=replaced,
        removed=tuple(remove),
        chunks_added=chunks_added,
        chunks_removed=int((~keep).sum()),
        chunks=len(chunk_rows),
        factory=manifest.faiss.factory,
        seconds=time.perf_counter() - began,
    )
