"""Retriever.search(query, k, mode) -> [Hit]: dense, BM25 (jieba), BM25 (bigrams), and their fusion."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from rag.config import Settings
from rag.index.store import Snapshot
from rag.retrieve.filters import filtered_lists
from rag.retrieve.fusion import reciprocal_rank_fusion
from rag.types import Hit

MODES = ("hybrid", "dense", "bm25", "bigram")


@dataclass(frozen=True)
class Retriever:
    snapshot: Snapshot
    settings: Settings
    embed_query: Callable[[str], np.ndarray]  # loads the model only when a dense search needs it

    def search(
        self, query: str, k: int = 5, mode: str = "hybrid", doc_ids: Collection[str] | None = None
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        query = query.strip()
        if not query or not self.snapshot.chunks or (doc_ids is not None and not doc_ids):
            return []
        pool = max(self.settings.candidates, k)
        if doc_ids is None:
            lists = self.ranked_lists(query, pool, mode)
        else:  # only these documents' chunks, each list as deep as without a filter (rag.retrieve.filters)
            allowed, chunks = set(doc_ids), self.snapshot.chunks
            lists = filtered_lists(
                lambda depth: self.ranked_lists(query, depth, mode),
                lambda cid: cid in chunks and chunks[cid].doc_id in allowed,
                pool,
                len(chunks),
            )
        if mode == "hybrid":
            weights = {
                "bm25": self.settings.weight_bm25,
                "bigram": self.settings.weight_bigram,
                "dense": self.settings.weight_dense,
            }
            fused = reciprocal_rank_fusion(
                {name: [cid for cid, _ in items] for name, items in lists.items()},
                weights,
                self.settings.rrf_k,
            )
        else:
            fused = [(cid, s, (mode,)) for cid, s in lists[mode]]
        return [self._hit(cid, score, rank, via) for rank, (cid, score, via) in enumerate(fused[:k], start=1)]

    def ranked_lists(self, query: str, pool: int, mode: str = "hybrid") -> dict[str, list[tuple[str, float]]]:
        """Each retriever's own (chunk_id, score) list, best first: the raw material of fusion."""
        wanted = ("bm25", "bigram", "dense") if mode == "hybrid" else (mode,)
        if mode == "hybrid" and self.settings.weight_dense == 0:
            wanted = ("bm25", "bigram")  # no model load when dense is switched off
        lists: dict[str, list[tuple[str, float]]] = {}
        for name in wanted:
            if name == "dense":
                lists[name] = self.snapshot.dense_search(self.embed_query(query), pool)
            else:
                lists[name] = self.snapshot.lexical[name].search(query, pool)
        return lists

    def _hit(self, chunk_id: str, score: float, rank: int, via: tuple[str, ...]) -> Hit:
        chunk = self.snapshot.chunks[chunk_id]
        return Hit(
            chunk=chunk, score=score, rank=rank, via=via, title=self.snapshot.documents[chunk.doc_id].title
        )
