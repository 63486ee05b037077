"""Building the faiss structure for a set of unit vectors: exact, HNSW or IVF.

All three use inner product, which on unit vectors is the cosine similarity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# HNSW: M links per node; efConstruction trades build time for graph quality; efSearch is the
# query-time beam (see benchmarks/bench_index.py for the figures behind these defaults).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# index_type "auto": exact search up to this many vectors (a query scans them all in ~10 ms
# on one core here), IVF above it (benchmarks/bench_index.py).
AUTO_FLAT_MAX_VECTORS = 50_000
AUTO_APPROXIMATE = "ivf"
# IVF needs enough points per list to train its centroids; below this, exact search is both
# faster and exact, so a small corpus falls back to flat.
IVF_MIN_VECTORS = 10_000
_IVF_POINTS_PER_LIST = 39  # faiss warns below 39 training points per centroid
# k-means on more than this many points per list costs time and gains nothing measurable.
_IVF_TRAIN_PER_LIST = 64


@dataclass(frozen=True)
class BuiltIndex:
    """A filled faiss index, the type actually built, its query parameters, and notes."""

    index: Any
    index_type: str
    params: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def ivf_lists(n: int) -> int:
    """The number of IVF lists for ``n`` vectors: about sqrt(n), each trainable."""
    return max(1, min(round(math.sqrt(n)), n // _IVF_POINTS_PER_LIST))


def ivf_probes(nlist: int) -> int:
    """Lists visited per query: 1/16 of them (at least 8), ~0.98 recall@10 on clustered data."""
    return max(1, min(nlist, max(8, math.ceil(nlist / 16))))


def build_faiss_index(
    vectors: np.ndarray,
    index_type: str,
    *,
    hnsw_m: int = HNSW_M,
    ef_construction: int = HNSW_EF_CONSTRUCTION,
    ef_search: int = HNSW_EF_SEARCH,
    nlist: int | None = None,
    nprobe: int | None = None,
    ivf_min_vectors: int | None = None,
) -> BuiltIndex:
    """Index ``vectors`` (float32, unit rows) so that row ``i`` is faiss id ``i``."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if ivf_min_vectors is None:
        ivf_min_vectors = IVF_MIN_VECTORS
    if index_type == "auto":
        index_type = "flat" if n <= AUTO_FLAT_MAX_VECTORS else AUTO_APPROXIMATE
    if index_type == "flat":
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return BuiltIndex(flat, "flat")
    if index_type == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.hnsw.efSearch = ef_search
        hnsw.add(vectors)
        params = {"m": hnsw_m, "ef_construction": ef_construction, "ef_search": ef_search}
        return BuiltIndex(hnsw, "hnsw", params)
    if index_type == "ivf":
        if n < ivf_min_vectors:
            exact = build_faiss_index(vectors, "flat")
            note = (
                f"ivf needs at least {ivf_min_vectors} chunks to train; "
                f"{n} chunks use exact (flat) search instead"
            )
            return BuiltIndex(exact.index, "flat", notes=(note,))
        nlist = nlist or ivf_lists(n)
        nprobe = nprobe or ivf_probes(nlist)
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if n > _IVF_TRAIN_PER_LIST * nlist:
            rows = np.random.default_rng(0).choice(n, _IVF_TRAIN_PER_LIST * nlist, replace=False)
            sample = vectors[np.sort(rows)]
        ivf.train(sample)
        ivf.add(vectors)
        # The direct map lets an update reuse stored vectors (reconstruct) without re-embedding.
        ivf.make_direct_map()
        ivf.nprobe = nprobe
        return BuiltIndex(ivf, "ivf", {"nlist": nlist, "nprobe": nprobe})
    raise ValueError(f"unknown index type {index_type!r}")
