"""The FAISS index type: chosen by corpus size, built, and described in the manifest.

``factory="auto"`` (the default) gives exact inner-product search (``Flat``) up to
:data:`AUTO_THRESHOLD` chunks and an HNSW graph over 8-bit scalar-quantized vectors
(``HNSW32,SQ8``) above it; the threshold and the HNSW settings come from
``bench/search.py`` (see bench/README.md): below it exact search answers within a few
milliseconds, above it HNSW keeps a query under a millisecond or two at recall@10 ≥ 0.95
with a quarter of the memory. Any FAISS factory string can be asked for instead.
"""

from __future__ import annotations

import numpy as np

AUTO = "auto"
EXACT_FACTORY = "Flat"
APPROX_FACTORY = "HNSW32,SQ8"
AUTO_THRESHOLD = 50_000  # chunks; a Flat search costs 13 ms per query at 100k here, ~6.5 ms at 50k (bench/search.py)
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # recall@10 0.97 at 100k vectors, 0.75 ms a query (bench/search.py)
IVF_NPROBE = 32


def choose_factory(factory: str, count: int, *, threshold: int | None = None) -> str:
    """The FAISS factory string for ``count`` vectors: ``factory`` itself unless it is ``"auto"``."""
    threshold = AUTO_THRESHOLD if threshold is None else threshold
    if not isinstance(factory, str) or not factory.strip():
        raise ValueError(f"factory must be a FAISS factory string or 'auto', not {factory!r}")
    if factory.strip().lower() != AUTO:
        return factory.strip()
    return EXACT_FACTORY if count <= threshold else APPROX_FACTORY


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
        inner.nprobe = IVF_NPROBE
    if not index.is_trained:
        if len(vectors) == 0:
            raise ValueError(f"the FAISS index {factory!r} needs training vectors; use 'Flat' for an empty corpus")
        index.train(vectors)
    index.add(vectors)
    return index


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
            "approximate": APPROX_FACTORY,
        }
    return entry


def _factory_of(index) -> str:
    import faiss

    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexFlat):
        return EXACT_FACTORY
    if isinstance(inner, faiss.IndexHNSWSQ):
        return f"HNSW{inner.hnsw.nb_neighbors(1)},SQ8"
    if isinstance(inner, faiss.IndexHNSWFlat):
        return f"HNSW{inner.hnsw.nb_neighbors(1)}"
    if isinstance(inner, faiss.IndexIVFScalarQuantizer):
        return f"IVF{inner.nlist},SQ8"
    if isinstance(inner, faiss.IndexIVFFlat):
        return f"IVF{inner.nlist},Flat"
    return type(inner).__name__
