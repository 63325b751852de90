"""The folder store's vector index: exact (flat inner product) for small collections, HNSW above a size.

    flat   IndexIDMap2(IndexFlatIP)       exact; removal deletes the vectors
    hnsw   IndexIDMap2(IndexHNSWFlat, IP) approximate; faiss's HNSW cannot delete, so a removed chunk's
                                          vector stays in the file as a tombstone: the chunk table is
                                          the truth, and searches skip ids it does not hold (an
                                          IDSelector). When tombstones exceed `max_dead` of the
                                          vectors, the next update rebuilds the graph from the live
                                          vectors. A chunk that comes back (same text, same id) revives
                                          its stored vector instead of being added twice.

The kind follows the live count at each update: flat -> hnsw above `threshold`, hnsw -> flat below half
of it (so a collection near the threshold does not flip back and forth). Parameters: eval/bench_scale.py,
docs/scale.md.

faiss and torch share one OpenMP runtime: setting faiss's thread count also sets torch's (in that
thread). Searches run single-threaded (OpenMP start-up costs more than one query's work) inside
`one_thread()`, which restores the thread count after, so the encoder keeps every core.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnnSettings:
    threshold: int = 200_000  # live vectors above which the index becomes HNSW
    m: int = 16  # HNSW links per node
    ef_construction: int = 80
    ef_search: int = 256  # 1M synthetic vectors: recall@10 0.935 at 96 (docs/scale.md)
    max_dead: float = 0.2  # tombstone share that triggers a rebuild of the graph

    @classmethod
    def of(cls, settings) -> AnnSettings:
        return cls(
            threshold=settings.hnsw_threshold,
            m=settings.hnsw_m,
            ef_construction=settings.hnsw_ef_construction,
            ef_search=settings.hnsw_ef_search,
            max_dead=settings.hnsw_max_dead,
        )


def faiss_module():
    import faiss

    return faiss


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """faiss (and torch: one OpenMP runtime) on one thread in this block, then as before."""
    faiss = faiss_module()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def new_flat(dim: int):
    faiss = faiss_module()
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def new_hnsw(dim: int, ann: AnnSettings):
    faiss = faiss_module()
    graph = faiss.IndexHNSWFlat(dim, ann.m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = ann.ef_construction
    graph.hnsw.efSearch = ann.ef_search
    return faiss.IndexIDMap2(graph)


def is_hnsw(index) -> bool:
    faiss = faiss_module()
    return isinstance(faiss.downcast_index(index.index), faiss.IndexHNSW)


def ids_of(index) -> np.ndarray:
    """The faiss ids the index holds, in its internal order."""
    return faiss_module().vector_to_array(index.id_map).astype(np.int64, copy=False)


def all_vectors(index) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of everything the index holds (HNSW keeps its vectors in flat storage)."""
    n = index.ntotal
    inner = faiss_module().downcast_index(index.index)
    return ids_of(index), inner.reconstruct_n(0, n) if n else np.zeros((0, index.d), np.float32)


def rebuilt(index, live: np.ndarray, ann: AnnSettings, hnsw: bool):
    """A new index of the kind asked holding only the vectors of the `live` ids."""
    ids, vecs = all_vectors(index)
    keep = np.isin(ids, live)
    fresh = new_hnsw(index.d, ann) if hnsw else new_flat(index.d)
    if keep.any():
        fresh.add_with_ids(np.ascontiguousarray(vecs[keep]), ids[keep])
    return fresh


def dead_ids(index, live: np.ndarray) -> np.ndarray:
    """Ids the index holds that are not live (tombstones); always empty for a flat index."""
    if not is_hnsw(index):
        return np.zeros(0, np.int64)
    held = ids_of(index)
    return held[~np.isin(held, live)]


def consistent(index, live: np.ndarray) -> bool:
    """Every live id has a vector; a flat index holds nothing else."""
    held = ids_of(index)
    if not is_hnsw(index) and len(held) != len(live):
        return False
    return bool(np.isin(live, held).all())


def updated(index, live: np.ndarray, gone: np.ndarray, fresh_ids: np.ndarray, fresh: np.ndarray, ann):
    """The index after an update: `gone` ids dropped, `fresh` vectors added, `live` the ids the new chunk
    table holds. Returns a new object whenever anything changes (readers keep the old one)."""
    faiss = faiss_module()
    hnsw = is_hnsw(index)
    if not hnsw and len(live) > ann.threshold or hnsw and len(live) < ann.threshold // 2:
        out = rebuilt(index, np.setdiff1d(live, fresh_ids), ann, hnsw=not hnsw)
        return _add(out, fresh_ids, fresh)
    if not hnsw:
        out = faiss.clone_index(index) if (len(gone) or len(fresh_ids)) else index
        if len(gone):
            out.remove_ids(np.asarray(gone, dtype=np.int64))
        return _add(out, fresh_ids, fresh)
    held = ids_of(index)
    new = ~np.isin(fresh_ids, held)  # an id already held (a tombstone or a kept chunk) is revived
    dead = len(held) - int(np.isin(held, live).sum())
    if dead > ann.max_dead * max(len(held), 1):
        # the held vectors of revived ids are kept by rebuilt(); only new ones are added
        return _add(rebuilt(index, live, ann, hnsw=True), *_pick(fresh_ids, fresh, new))
    if not new.any():
        return index  # removals only mark tombstones: the graph is shared, read-only
    return _add(faiss.clone_index(index), *_pick(fresh_ids, fresh, new))


def _pick(ids: np.ndarray, vecs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return ids[mask], vecs[mask]


def _add(index, ids: np.ndarray, vecs: np.ndarray):
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), np.asarray(ids, dtype=np.int64))
    return index


class Searcher:
    """Searches one index state, skipping tombstones; one per snapshot (it keeps the selector)."""

    def __init__(self, index, dead: np.ndarray, ann: AnnSettings) -> None:
        self.index, self.ann, self.dead = index, ann, np.asarray(dead, dtype=np.int64)
        self.hnsw = is_hnsw(index)
        self._params = None

    def params(self):
        if self._params is None and self.hnsw:
            faiss = faiss_module()
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(self.ann.ef_search, 1)
            if len(self.dead):
                batch = faiss.IDSelectorBatch(self.dead)
                selector = faiss.IDSelectorNot(batch)
                params.sel = selector
                self._keep = (batch, selector)  # the selectors must outlive the searches
            self._params = params
        return self._params

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        with one_thread():
            if self.hnsw:
                params = self.params()
                params.efSearch = max(params.efSearch, k)  # fewer candidates than k would cut results
                scores, ids = self.index.search(q, k, params=params)
            else:
                scores, ids = self.index.search(q, k)
        return scores[0], ids[0]
