"""Incremental updates: add or remove articles without re-embedding the others.

Only the new articles' chunks and sentences are embedded; everything else is carried
over. Like a build, an update writes a complete new index directory beside the old one
and swaps it in at the end, so a failed update leaves the previous index working.

Ids: chunk ids (rows of the chunk table, what the retriever, the lexical index and the
answer extractor use) stay ``0 … n - 1``; the FAISS id of each row is kept in
``chunk_keys.npy`` when it differs. On removal, Flat and IVF indexes delete the vectors;
HNSW cannot, so the removed ids stay in the graph but are filtered out of every search
(:class:`index.store.Store`), and the graph is rebuilt from its own vectors once removed
entries pass :data:`COMPACT_FRACTION`. Removed chunks are therefore never returned (the
stale-result failure of Haystack issue #5071). An ``auto`` index that grows past the
size threshold is converted from exact to approximate search on the way.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.article import Article, load_article
from index.build import corpus_fingerprint, library_versions
from index.chunking import Chunker, ChunkingSettings, chunk_title, indexed_text
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
from index.store import Store, swap_in

if TYPE_CHECKING:
    from index.encoder import Encoder

COMPACT_FRACTION = 0.25  # rebuild the FAISS index when this share of its entries are removed chunks


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


def add_articles(
    index_dir: str | Path,
    articles: Sequence[Article | str | Path],
    *,
    encoder: Encoder | None = None,
    progress: bool | None = None,
) -> UpdateSummary:
    """Add articles (objects or ``.txt``/``.md`` files) to the index; an article whose id is
    already indexed is replaced. ``encoder`` defaults to the index's model and backend."""
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
    index_dir: Path,
    *,
    add: Sequence[Article],
    remove: Sequence[str],
    encoder: Encoder | None,
    progress: bool | None,
) -> UpdateSummary:
    import faiss

    began = time.perf_counter()
    store = Store.load(index_dir, mmap=False)
    unknown = [d for d in remove if d not in store.article_by_id]
    if unknown:
        raise ValueError(f"not in the index {index_dir}: {', '.join(unknown)}")
    replaced = tuple(a.doc_id for a in add if a.doc_id in store.article_by_id)
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
    if lexical is not None:
        lexical.remove(np.flatnonzero(~keep).tolist())
        lexical.renumber({int(old): int(row_map[old]) for old in np.flatnonzero(keep)})

    # -- what is new -----------------------------------------------------------------------
    chunking = ChunkingSettings.from_manifest(store.manifest["chunking"])
    new_chunks = [c for a in add for c in Chunker(chunking).split(a)]
    new_sentences = [(a.doc_id, s, e) for a in add for s, e in sentence_spans(a.text)]
    if add:
        if encoder is None:
            from index.encoder import encoder_for_manifest

            encoder = encoder_for_manifest(store.manifest, queries=False, where=index_dir)
        elif encoder.name != store.model.name:
            raise ValueError(
                f"{index_dir} was built with the model {store.model.name!r}, not {encoder.name!r}; "
                "add with the index's model or rebuild"
            )
        by_id = {a.doc_id: a for a in add}
        texts = [indexed_text(c.text, by_id[c.doc_id].title, titles=chunking.titles) for c in new_chunks]
        chunk_vectors = encoder.encode_passages(texts, progress=progress)
        new_sentence_vectors = encoder.encode_passages(
            [by_id[d].text[s:e] for d, s, e in new_sentences], progress=progress
        )
        first = len(articles)
        number = {a.doc_id: first + i for i, a in enumerate(add)}
        articles += list(add)
        base = len(chunk_rows)
        added_chunks = np.array([(number[c.doc_id], c.start, c.end) for c in new_chunks], dtype=np.int64)
        added_sentences = np.array([(number[d], s, e) for d, s, e in new_sentences], dtype=np.int64)
        chunk_rows = np.vstack([chunk_rows, added_chunks.reshape(-1, 3)])
        sentence_rows = np.vstack([sentence_rows, added_sentences.reshape(-1, 3)])
        sentence_vectors = np.vstack([sentence_vectors, new_sentence_vectors.astype(np.float16)])
        next_key = max(int(index.ntotal), int(keys.max()) + 1 if len(keys) else 0)
        new_keys = np.arange(next_key, next_key + len(new_chunks), dtype=np.int64)
        vectors = np.ascontiguousarray(chunk_vectors, dtype=np.float32)
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
        if lexical is not None:
            lexical.add(
                {base + i: c.text for i, c in enumerate(new_chunks)},
                titles={
                    base + i: chunk_title(c.text, by_id[c.doc_id].title, titles=chunking.titles)
                    for i, c in enumerate(new_chunks)
                },
            )

    # -- keep the index type right for its size, and compact ------------------------------------
    requested = str(store.manifest["index"].get("requested", store.manifest["index"]["factory"]))
    factory = str(store.manifest["index"]["factory"])
    dimension = store.model.dimension
    wanted = choose_factory(requested, len(chunk_rows), dimension=dimension) if requested.lower() == AUTO else factory
    dead = int(index.ntotal) - len(keys)
    live = None  # the live chunks' vectors in chunk order, when known
    if wanted != factory or (dead and dead >= COMPACT_FRACTION * int(index.ntotal)):
        live = stored_vectors(index, keys) if key_vectors is None else key_vectors[keys].astype(np.float32)
        index = make_faiss_index(live, factory=wanted if len(live) else EXACT_FACTORY)
        keys = np.arange(len(live), dtype=np.int64)
    if live is None and needs_rerank(index):
        live = stored_vectors(index, keys) if key_vectors is None else key_vectors[keys]

    # -- write and swap in -------------------------------------------------------------------
    manifest = dict(store.manifest)
    manifest.pop("files", None)
    manifest["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest["index"] = manifest_entry(index, requested=requested)
    manifest["index"]["removed_in_faiss"] = int(index.ntotal) - len(keys)
    manifest["corpus"] = {
        **manifest["corpus"],
        "fingerprint": corpus_fingerprint(articles),
        "articles": len(articles),
        "chunks": len(chunk_rows),
        "sentences": len(sentence_rows),
    }
    manifest["versions"] = library_versions()
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.updating-", dir=index_dir.parent))
    try:
        new_dir = staging / "index"
        Store.write(
            new_dir,
            articles=articles,
            chunks=chunk_rows,
            chunk_vectors=live,
            sentences=sentence_rows,
            sentence_vectors=sentence_vectors,
            faiss_index=index,
            manifest=manifest,
            lexical=lexical,
            chunk_keys=keys,
        )
        swap_in(new_dir, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return UpdateSummary(
        index_dir=str(index_dir),
        added=tuple(a.doc_id for a in add if a.doc_id not in replaced),
        replaced=replaced,
        removed=tuple(remove),
        chunks_added=len(new_chunks),
        chunks_removed=int((~keep).sum()),
        chunks=len(chunk_rows),
        factory=manifest["index"]["factory"],
        seconds=time.perf_counter() - began,
    )
