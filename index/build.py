"""Building an index: load the corpus, chunk, embed, write, swap in.

The new index is written into a fresh directory beside the target and moved into
place only when complete, so an interrupted or failed build leaves the previous
index working.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.article import Article, load_corpus
from index.chunking import Chunker, ChunkingSettings, chunk_title, indexed_text
from index.faiss_index import AUTO, make_faiss_index, manifest_entry
from index.french import sentence_spans
from index.lexical import LexicalIndex
from index.store import Store, swap_in

if TYPE_CHECKING:
    from index.encoder import Encoder

DEFAULT_FACTORY = AUTO  # exact search for small corpora, an inverted file above index.faiss_index.AUTO_THRESHOLD chunks


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


def corpus_fingerprint(articles: list[Article]) -> str:
    """A hash of every article's id, metadata and text: equal corpora, equal fingerprints."""
    digest = hashlib.sha256()
    for a in articles:
        digest.update(json.dumps([a.doc_id, a.title, a.source, a.date, a.url, a.text], ensure_ascii=False).encode())
    return digest.hexdigest()


def model_spec(encoder: Encoder) -> str:
    """What ``Encoder(spec)`` needs to load this encoder again: ``default`` or the model id/path."""
    spec = getattr(encoder, "spec", None)
    if spec:
        return str(spec)
    return "default" if getattr(encoder, "is_default", False) else encoder.name


def model_section(encoder: Encoder) -> dict:
    """The manifest's ``model`` section: name, spec, dimension, prompts and (real encoders) backend."""
    section = {
        "name": encoder.name,
        "spec": model_spec(encoder),
        "dimension": encoder.dimension,
        "prompts": encoder.prompts,
    }
    backend = getattr(encoder, "backend", None)
    if backend is not None:
        from index.encoder import QUERY_BACKEND

        section["backend"] = backend
        section["query_backend"] = QUERY_BACKEND.get(backend, backend)
    return section


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
    chunker = Chunker(chunking)
    chunks = [chunk for article in articles for chunk in chunker.split(article)]
    sentences = [(a.doc_id, s, e) for a in articles for s, e in sentence_spans(a.text)]
    by_id = {a.doc_id: a for a in articles}

    texts = [indexed_text(c.text, by_id[c.doc_id].title, titles=chunking.titles) for c in chunks]
    titles = {i: chunk_title(c.text, by_id[c.doc_id].title, titles=chunking.titles) for i, c in enumerate(chunks)}

    embed_began = time.perf_counter()
    chunk_vectors = encoder.encode_passages(texts, progress=progress)
    embed_seconds = time.perf_counter() - embed_began
    sentence_vectors = encoder.encode_passages([by_id[d].text[s:e] for d, s, e in sentences], progress=progress)
    faiss_index = make_faiss_index(chunk_vectors, factory=factory)
    lexical = LexicalIndex()
    lexical.add({i: c.text for i, c in enumerate(chunks)}, titles=titles)

    manifest = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model_section(encoder),
        "chunking": {"splitter": "RecursiveCharacterTextSplitter", **chunking.__dict__},
        "index": manifest_entry(faiss_index, requested=factory),
        "corpus": {
            "fingerprint": corpus_fingerprint(articles),
            "articles": len(articles),
            "chunks": len(chunks),
            "sentences": len(sentences),
        },
        "versions": library_versions(),
    }
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
        new_dir = staging / "index"
        Store.write(
            new_dir,
            articles=articles,
            chunks=chunks,
            chunk_vectors=chunk_vectors,
            sentences=sentences,
            sentence_vectors=sentence_vectors,
            faiss_index=faiss_index,
            manifest=manifest,
            lexical=lexical,
        )
        swap_in(new_dir, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildSummary(
        index_dir=str(index_dir),
        articles=len(articles),
        chunks=len(chunks),
        sentences=len(sentences),
        dimension=encoder.dimension,
        model=encoder.name,
        factory=manifest["index"]["factory"],
        seconds=time.perf_counter() - began,
        embed_seconds=embed_seconds,
    )
