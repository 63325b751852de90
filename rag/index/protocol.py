"""The store protocol: where an index lives (a folder of files, or a Milvus collection) and the
view of it that queries read. The pipeline holds one Store from `open_store(settings, index_dir)`
and never asks which kind it is.

A view (IndexView) is one consistent state: documents, chunks, dense and lexical search, a chunk's
vector, the manifest's facts; `updated(remove, add)` gives the next state and `Store.save` makes it
durable. Both stores keep documents, chunks and the BM25 indexes in memory; the folder store keeps
its vectors in FAISS, the Milvus store in Milvus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from rag.index.snapshot import IndexError
from rag.types import Chunk, Document

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.index.lexical import LexicalIndex

STORES = ("folder", "milvus")
__all__ = ["STORES", "IndexError", "IndexView", "Store", "open_store"]


class IndexView(Protocol):
    # the manifest's facts: what must match at query time
    embedder_name: str
    dim: int
    chunker: dict
    corpus: list[str]
    documents: Mapping[str, Document]
    chunks: Mapping[str, Chunk]  # chunk id -> Chunk, in document order
    lexical: Mapping[str, LexicalIndex]  # "bm25", "bigram": (chunk_id, score) lists, best first

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def vector(self, chunk_id: str) -> np.ndarray:
        """The stored vector of a chunk this view holds; KeyError for any other."""
        ...

    def doc_chunks(self, doc_id: str) -> list[Chunk]: ...

    def updated(
        self,
        remove: Iterable[str] = (),
        add: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]] = (),
        corpus: Sequence[str] | None = None,
    ) -> IndexView: ...


class Store(Protocol):
    location: str  # for messages: a folder, a Milvus Lite file or a server address

    def exists(self) -> bool: ...

    def load(self, embedder_name: str) -> IndexView:
        """The saved state; IndexError (saying what to run) if missing, damaged or built otherwise."""
        ...

    def empty(self, embedder_name: str, dim: int, chunker: dict) -> IndexView:
        """A fresh state; saving it (after updates) replaces whatever the store held."""
        ...

    def save(self, view: IndexView) -> None: ...


def open_store(settings: Settings, index_dir: Path | str) -> Store:
    """The store the settings name; nothing is opened or created until it is used."""
    if settings.store == "folder":
        from rag.index.ann import AnnSettings
        from rag.index.store import FolderStore

        return FolderStore(Path(index_dir), AnnSettings.of(settings))
    if settings.store == "milvus":
        from rag.index.milvus_store import MilvusStore

        if settings.milvus_bm25 not in ("local", "engine"):
            raise ValueError(f"milvus_bm25 is 'local' or 'engine', not {settings.milvus_bm25!r}")
        uri = settings.milvus_uri or str(Path(index_dir) / "milvus.db")
        return MilvusStore(uri, settings.milvus_collection, engine_bm25=settings.milvus_bm25 == "engine")
    raise ValueError(f"unknown store {settings.store!r}; choose one of {', '.join(STORES)}")
