"""The FAISS index type: chosen by corpus size, built, and described in the manifest.

``factory="auto"`` (the default) gives exact inner-product search (``Flat``) up to
:data:`AUTO_THRESHOLD` chunks and, above it, an inverted file of 4-bit product-quantized
codes scanned in SIMD registers (``IVF<nlist>,PQ<d/2>x4fs``, :func:`approx_factory`):
``nlist`` the power of two nearest to 4·√n, :data:`FASTSCAN_NPROBE` lists visited per
query, and the :data:`RERANK` × k best codes re-scored exactly against the chunks'
half-precision vectors (``chunk_vectors.npy``, memory-mapped: see :class:`index.store.Store`).
The threshold and the settings come from ``bench/search.py``; its figures, and why an inverted
file of fp16 vectors and an HNSW graph were set aside, are in bench/README.md. Flat and IVF
delete vectors in place (``qa index remove``). Any FAISS factory string can be asked for
instead; one with product-quantized codes gets the exact re-scoring too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from index.manifest import AutoChoice, FaissEntry, RescoringEntry

AUTO = "auto"
RESCORING_VECTORS = "chunk_vectors.npy"  # index.store.CHUNK_VECTORS
EXACT_FACTORY = "Flat"
APPROX_FACTORY = "IVF{nlist},PQ{m}x4fs"  # the approximate family of "auto"; nlist, m from approx_factory()
ODD_APPROX_FACTORY = "IVF{nlist},SQfp16"  # the same for a model of odd dimension (no pairs of dimensions)
# Every setting below was chosen with bench/search.py or bench/million.py: figures in bench/README.md.
AUTO_THRESHOLD = 50_000  # chunks: exact search up to here
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # HNSW32,SQ8 (asked for by name)
IVF_NPROBE = 128  # IVF<≈4√n>,SQfp16
FASTSCAN_NPROBE = 256  # IVF<≈4√n>,PQ<d/2>x4fs, the approximate index of "auto"
RERANK = 20  # codes re-scored exactly per result asked for, when the index holds PQ codes…
RERANK_MAX = 500  # …up to this many in all: the retriever's 50 dense candidates get 10 each
IVF_POINTS_PER_LIST = 64  # k-means trains on at most this many vectors per list (a sample; faiss' default is 256)
_MIN_POINTS_PER_LIST = 39  # faiss warns below this many training vectors per list


def rerank_candidates(k: int, per_result: int = RERANK, most: int | None = RERANK_MAX) -> int:
    """How many codes to re-score for ``k`` results: ``per_result`` each, at most ``most``, at least k."""
    return max(k, k * per_result if most is None else min(k * per_result, most))


def approx_factory(count: int, dimension: int = 384) -> str:
    """The approximate index of ``auto`` for ``count`` vectors: ``IVF<nlist>,PQ<d/2>x4fs``, nlist ≈ 4·√count."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    if isinstance(dimension, bool) or not isinstance(dimension, int) or dimension < 1:
        raise ValueError(f"dimension must be a positive integer, not {dimension!r}")
    nlist = 2 ** round(math.log2(max(1.0, 4 * math.sqrt(count))))
    nlist = max(1, min(nlist, count // _MIN_POINTS_PER_LIST))
    if dimension % 2:
        return ODD_APPROX_FACTORY.format(nlist=nlist)
    return APPROX_FACTORY.format(nlist=nlist, m=dimension // 2)


def choose_factory(factory: str, count: int, *, threshold: int | None = None, dimension: int = 384) -> str:
    """The FAISS factory string for ``count`` vectors: ``factory`` itself unless it is ``"auto"``."""
    threshold = AUTO_THRESHOLD if threshold is None else threshold
    if not isinstance(factory, str) or not factory.strip():
        raise ValueError(f"factory must be a FAISS factory string or 'auto', not {factory!r}")
    if factory.strip().lower() != AUTO:
        return factory.strip()
    return EXACT_FACTORY if count <= threshold else approx_factory(count, dimension)


def make_faiss_index(vectors: np.ndarray, *, factory: str = EXACT_FACTORY):
    """A FAISS inner-product index built by ``factory`` (e.g. ``Flat``, ``HNSW32``, ``IVF256,SQ8``), filled."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = vectors.shape[1]
    factory = choose_factory(factory, len(vectors), dimension=dimension)
    try:
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        raise ValueError(f"invalid FAISS factory string {factory!r}: {exc}") from exc
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    if isinstance(inner, faiss.IndexIVF):
        nprobe = FASTSCAN_NPROBE if isinstance(inner, faiss.IndexIVFFastScan) else IVF_NPROBE
        inner.nprobe = min(nprobe, inner.nlist)
        inner.cp.max_points_per_centroid = IVF_POINTS_PER_LIST
    if not index.is_trained:
        if len(vectors) == 0:
            raise ValueError(f"the FAISS index {factory!r} needs training vectors; use 'Flat' for an empty corpus")
        index.train(vectors)
    index.add(vectors)
    return index


def needs_rerank(index) -> bool:
    """Whether the index holds product-quantized codes, too coarse alone: its results are re-scored
    against the exact vectors (:data:`RERANK`, :meth:`index.store.Store.search`)."""
    import faiss

    inner = faiss.downcast_index(index)
    return isinstance(inner, (faiss.IndexIVFPQ, faiss.IndexIVFPQFastScan, faiss.IndexPQ, faiss.IndexPQFastScan))


def rescore(queries: np.ndarray, keys: np.ndarray, key_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, keys)`` of the ``k`` best candidate ``keys`` (a row per query, -1 pads) by exact
    inner product with ``key_vectors[key]`` (an array or a memory map: rows read in file order)."""
    out_scores = np.full((len(keys), k), -np.inf, dtype=np.float32)
    out_keys = np.full((len(keys), k), -1, dtype=np.int64)
    for i, (query, row) in enumerate(zip(queries, keys)):
        found = np.sort(row[row >= 0])
        if not len(found):
            continue
        exact = np.asarray(key_vectors[found], dtype=np.float32) @ query
        best = np.argsort(-exact, kind="stable")[:k]
        out_scores[i, : len(best)], out_keys[i, : len(best)] = exact[best], found[best]
    return out_scores, out_keys


def stored_vectors(index, keys: np.ndarray) -> np.ndarray:
    """The vectors stored under FAISS ids ``keys`` (decoded: rounded where the index quantizes;
    product-quantized codes are coarse, read their exact vectors instead: ``Store.key_vectors``)."""
    import faiss

    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIVF) and inner.direct_map.type == faiss.DirectMap.NoMap:
        inner.set_direct_map_type(faiss.DirectMap.Hashtable)  # ids may be sparse after removals
    return index.reconstruct_batch(keys)


def search_params(index) -> dict:
    """The settings a search uses, as the manifest records them (``efSearch``, ``nprobe``…)."""
    import faiss

    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexHNSW):
        return {"M": int(inner.hnsw.nb_neighbors(1)), "efConstruction": int(inner.hnsw.efConstruction),
                "efSearch": int(inner.hnsw.efSearch)}
    if isinstance(inner, faiss.IndexIVF):
        return {"nlist": int(inner.nlist), "nprobe": int(inner.nprobe)}
    return {}


def supports_remove(index) -> bool:
    """Whether FAISS can delete vectors from this index (Flat and IVF can; HNSW cannot)."""
    import faiss

    inner = faiss.downcast_index(index)
    return isinstance(inner, (faiss.IndexFlat, faiss.IndexIVF))


def renumbers_on_remove(index) -> bool:
    """Whether removing vectors shifts the later ids down (Flat stores no ids: position is the id)."""
    import faiss

    return isinstance(faiss.downcast_index(index), faiss.IndexFlat)


def manifest_entry(index, *, requested: str, removed: int = 0, threshold: int | None = None) -> FaissEntry:
    """The manifest's ``faiss`` section: type, how it was chosen, search settings, size; ``removed``
    entries of ``index`` are removed chunks it could not delete."""
    import faiss

    auto = None
    if requested.strip().lower() == AUTO:
        auto = AutoChoice(
            threshold=AUTO_THRESHOLD if threshold is None else threshold,
            exact=EXACT_FACTORY,
            approximate=approx_factory(int(index.ntotal), int(index.d)),
        )
    rescoring = None
    if needs_rerank(index):
        rescoring = RescoringEntry(vectors=RESCORING_VECTORS, candidates_per_result=RERANK, max_candidates=RERANK_MAX)
    return FaissEntry(
        factory=_factory_of(index),
        requested=requested,
        type=type(faiss.downcast_index(index)).__name__,
        params=search_params(index),
        ntotal=int(index.ntotal),
        removed=removed,
        rescoring=rescoring,
        auto=auto,
    )


def _factory_of(index) -> str:
    import faiss

    sq_names = {faiss.ScalarQuantizer.QT_8bit: "SQ8", faiss.ScalarQuantizer.QT_fp16: "SQfp16",
                faiss.ScalarQuantizer.QT_4bit: "SQ4", faiss.ScalarQuantizer.QT_bf16: "SQbf16"}
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexFlat):
        return EXACT_FACTORY
    if isinstance(inner, faiss.IndexHNSWSQ):
        return f"HNSW{inner.hnsw.nb_neighbors(1)},SQ8"
    if isinstance(inner, faiss.IndexHNSWFlat):
        return f"HNSW{inner.hnsw.nb_neighbors(1)}"
    if isinstance(inner, faiss.IndexIVFPQFastScan):
        return f"IVF{inner.nlist},PQ{inner.pq.M}x{inner.pq.nbits}fs"
    if isinstance(inner, faiss.IndexIVFPQ):
        return f"IVF{inner.nlist},PQ{inner.pq.M}x{inner.pq.nbits}"
    if isinstance(inner, faiss.IndexIVFScalarQuantizer):
        return f"IVF{inner.nlist},{sq_names.get(inner.sq.qtype, 'SQ')}"
    if isinstance(inner, faiss.IndexIVFFlat):
        return f"IVF{inner.nlist},Flat"
    return type(inner).__name__


def live_selector(keys: np.ndarray, size: int):
    """A FAISS id selector (bitmap) that lets only ``keys`` through."""
    import faiss

    bits = np.zeros(size, dtype=bool)
    bits[keys] = True
    bitmap = np.packbits(bits, bitorder="little")
    selector = faiss.IDSelectorBitmap(size, faiss.swig_ptr(bitmap))
    selector.bitmap_array = bitmap  # keep the bytes alive as long as the selector
    return selector


def search_parameters(index, selector):
    """Per-search parameters carrying ``selector`` and the index's own search settings, or None."""
    if selector is None:
        return None
    import faiss

    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=selector, efSearch=inner.hnsw.efSearch)
    if isinstance(inner, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe)
    return faiss.SearchParameters(sel=selector)


def apply_search_params(index, params: Mapping[str, int]) -> None:
    """Search settings recorded in the manifest (``efSearch`` for HNSW, ``nprobe`` for IVF)."""
    import faiss

    inner = faiss.downcast_index(index)
    if "efSearch" in params and isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = int(params["efSearch"])
    if "nprobe" in params and isinstance(inner, faiss.IndexIVF):
        inner.nprobe = int(params["nprobe"])
