"""The embedding model of a pipeline, loaded at most once, and its cache of query vectors
(follow-ups and evaluations repeat queries). Shared by a pipeline and its configure() clones."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from rag.config import Settings
from rag.zh.text import fold

QUERY_CACHE = 1024  # query vectors kept; the cache is emptied when full


@dataclass
class Models:
    embedder: object | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    query_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def load(self, settings: Settings):
        """The embedder, loaded on first use from `settings`."""
        with self.lock:
            if self.embedder is None:
                from rag.index.embedding import load_embedder

                self.embedder = load_embedder(settings)
            return self.embedder

    def query_vector(self, settings: Settings, query: str) -> np.ndarray:
        # both sides are embedded folded: Traditional queries meet Simplified passages, and the
        # model never sees conversion artefacts such as 監(jiān)
        key = fold(query)
        vector = self.query_vectors.get(key)
        if vector is None:
            vector = self.load(settings).embed([key], kind="query")[0]
            if len(self.query_vectors) >= QUERY_CACHE:
                self.query_vectors.clear()
            self.query_vectors[key] = vector
        return vector
