"""The FAISS index type: chosen by corpus size, built, and described in the manifest.

``factory="auto"`` (the default) gives exact inner-product search (``Flat``) up to
:data:`AUTO_THRESHOLD` chunks and, above it, an inverted file over half-precision vectors
(``IVF<nlist>,SQfp16``, :func:`approx_factory`): ``nlist`` the power of two nearest to
4·√n, :data:`IVF_NPROBE` lists visited per query. The threshold and the settings come
from ``bench/search.py`` (see bench/README.md): below 50,000 chunks exact search answers
within a few milliseconds; above it the inverted file keeps recall@10 ≥ 0.95 against exact
search (0.978 at 50k, 0.974 at 100k, 0.957 at 1M) in 2–5 ms a query, deletes vectors in place
(``qa index remove``), and holds half the memory of Flat. An HNSW graph (tried first) was
as good at 100k but fell to recall@10 0.34 at 1M on the same data. Any FAISS factory string
can be asked for instead.
"""

from __future__ import annotations

import math

import numpy as np

AUTO = "auto"
EXACT_FACTORY = "Flat"
APPROX_FACTORY = "IVF{nlist},SQfp16"  # the approximate family of "auto"; nlist from approx_factory()
AUTO_THRESHOLD = 50_000  # chunks; a Flat search costs 13 ms per query at 100k here, ~6.5 ms at 50k (bench/search.py)
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # HNSW32,SQ8 (asked for by name): recall@10 0.97 at 100k vectors, 0.34 at 1M (bench/search.py)
IVF_NPROBE = 128  # IVF<≈4√n>,SQfp16: recall@10 0.974 at 100k (2.7 ms), 0.957 at 1M (4.0–4.7 ms) (bench/search.py)
IVF_POINTS_PER_LIST = 64  # k-means trains on at most this many vectors per list (a sample; faiss' default is 256)
_MIN_POINTS_PER_LIST = 39  # faiss warns below this many training vectors per list


def approx_factory(count: int) -> str:
    """The approximate index of ``auto`` for ``count`` vectors: ``IVF<nlist>,SQfp16``, nlist ≈ 4·√count."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    nlist = 2 ** round(math.log2(max(1.0, 4 * math.sqrt(count))))
    nlist = max(1, min(nlist, count // _MIN_POINTS_PER_LIST))
    return APPROX_FACTORY.format(nlist=nlist)


def choose_factory(factory: str, count: int, *, threshold: int | None = None) -> str:
    """The FAISS factory string for ``count`` vectors: ``factory`` itself unless it is ``"auto"``."""
    threshold = AUTO_THRESHOLD if threshold is None else threshold
    if not isinstance(factory, str) or not factory.strip():
        raise ValueError(f"factory must be a FAISS factory string or 'auto', not {factory!r}")
    if factory.strip().lower() != AUTO:
        return factory.strip()
    return EXACT_FACTORY if count <= threshold else approx_factory(count)


def make_faiss_index(vectors: np.ndarray, *, factory: str = EXACT_FACTORY):
    """A FAISS inner-product index built by ``factory`` (e.g. ``Flat``, ``HNSW32``, ``IVF256,SQ8``), filled."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = vectors.shape[1]
    factory = choose_factory(factory, len(vectors))
    try:
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        raise ValueError(f"invalid FAISS factory string {factory!r}: {exc}") from exc
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    if isinstance(inner, faiss.IndexIVF):
        inner.nprobe = min(IVF_NPROBE, inner.nlist)
        inner.cp.max_points_per_centroid = IVF_POINTS_PER_LIST
    if not index.is_trained:
        if len(vectors) == 0:
            raise ValueError(f"the FAISS index {factory!r} needs training vectors; use 'Flat' for an empty corpus")
        index.train(vectors)
    index.add(vectors)
    return index


def stored_vectors(index, keys: np.ndarray) -> np.ndarray:
    """The vectors stored under FAISS ids ``keys`` (decoded: SQ-rounded where the index quantizes)."""
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


def manifest_entry(index, *, requested: str, threshold: int | None = None) -> dict:
    """The manifest's ``index`` section: type, how it was chosen, search settings, size."""
    import faiss

    entry = {
        "factory": _factory_of(index),
        "requested": requested,
        "metric": "inner_product",
        "type": type(faiss.downcast_index(index)).__name__,
        "params": search_params(index),
        "ntotal": int(index.ntotal),
    }
    if requested.strip().lower() == AUTO:
        entry["auto"] = {
            "threshold": AUTO_THRESHOLD if threshold is None else threshold,
            "exact": EXACT_FACTORY,
            "approximate": approx_factory(int(index.ntotal)),
        }
    return entry


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
    if isinstance(inner, faiss.IndexIVFScalarQuantizer):
        return f"IVF{inner.nlist},{sq_names.get(inner.sq.qtype, 'SQ')}"
    if isinstance(inner, faiss.IndexIVFFlat):
        return f"IVF{inner.nlist},Flat"
    return type(inner).__name__
