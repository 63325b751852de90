"""One state of an index kept in Milvus: documents, chunks and BM25 in memory (as the folder store
keeps them), vectors in the Milvus collection. An update records what the collection must change
(`Pending`); MilvusStore.save writes it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.index.snapshot import IndexError, Snapshot, build_lexical, merged
from rag.types import Chunk, Document

# Milvus caps one search at 16384 results
MAX_TOPK = 16384


@dataclass(frozen=True)
class Pending:
    """The writes that turn the collection's saved state into this view's."""

    reset: bool = False  # drop the collection first (a new or rebuilt index)
    dropped: frozenset[str] = frozenset()  # documents whose rows go (removed, or re-added below)
    documents: tuple[Document, ...] = ()  # (re)added documents: their rows are written anew
    chunks: tuple[tuple[Chunk, np.ndarray], ...] = ()  # every chunk of those, with its vector

    def then(self, later: Pending) -> Pending:
        """This pending change followed by a later one (two updates saved together)."""
        replaced = later.dropped | {d.id for d in later.documents}
        return Pending(
            reset=self.reset or later.reset,
            dropped=self.dropped | later.dropped,
            documents=tuple(d for d in self.documents if d.id not in replaced) + later.documents,
            chunks=tuple(cv for cv in self.chunks if cv[0].doc_id not in replaced) + later.chunks,
        )


class VectorCache:
    """Stored vectors by chunk id. A chunk id hashes its document and text, so a cached vector
    never goes stale for one embedder; bounded so a long-running page does not grow without end."""

    def __init__(self, limit: int = 20000) -> None:
        self.limit = limit
        self._data: dict[str, np.ndarray] = {}

    def get(self, chunk_id: str) -> np.ndarray | None:
        return self._data.get(chunk_id)

    def put(self, chunk_id: str, vector: np.ndarray) -> None:
        if len(self._data) >= self.limit:
            self._data.clear()
        self._data[chunk_id] = vector


class EngineBM25:
    """The word view's LexicalIndex interface over Milvus's own BM25 (a jieba analyzer on the
    folded chunk text): nothing to build or hold in memory."""

    name = "bm25"

    def __init__(self, collection, chunks: dict[str, Chunk]) -> None:
        self.collection, self.chunks = collection, chunks

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        from rag.zh.text import fold, tokenize

        # a query of punctuation and stopwords only finds nothing, as with the local index
        # (Milvus's analyzer keeps punctuation tokens: docs/milvus.md)
        folded = fold(query).strip()
        if not tokenize(folded) or k <= 0 or not self.chunks:
            return []
        hits = self.collection.lexical_search(folded, min(k, len(self.chunks), MAX_TOPK))
        return [(cid, score) for cid, score in hits if cid in self.chunks and score > 0]


def lexical_for(collection, chunks: dict[str, Chunk], engine_bm25: bool) -> dict:
    if not engine_bm25:
        return build_lexical(chunks)
    return {**build_lexical(chunks, skip=["bm25"]), "bm25": EngineBM25(collection, chunks)}


@dataclass
class MilvusView(Snapshot):
    """A Snapshot whose `vectors` is a MilvusCollection (rag.index.milvus_store)."""

    pending: Pending = field(default_factory=Pending)
    engine_bm25: bool = False  # the word BM25 is Milvus's (settings.milvus_bm25 = "engine")

    def updated(
        self,
        remove: Iterable[str] = (),
        add: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]] = (),
        corpus: Sequence[str] | None = None,
    ) -> MilvusView:
        remove = set(remove)
        documents, chunks, fresh = merged(self.documents, self.chunks, self.dim, remove, add)
        readded = {doc.id for doc, _, _ in add}
        change = Pending(
            dropped=frozenset((remove | readded) & set(self.documents)),
            documents=tuple(doc for doc, _, _ in add),
            # merged() drops every chunk of a re-added document first, so all of its chunks are fresh
            chunks=tuple(fresh),
        )
        return MilvusView(
            embedder_name=self.embedder_name,
            dim=self.dim,
            chunker=self.chunker,
            documents=documents,
            chunks=chunks,
            vectors=self.vectors,
            lexical=lexical_for(self.vectors, chunks, self.engine_bm25),
            corpus=list(corpus) if corpus is not None else self.corpus,
            created=self.created,
            pending=self.pending.then(change),
            engine_bm25=self.engine_bm25,
        )

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self.chunks or k <= 0:
            return []
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        hits = self.vectors.search(q, min(k, len(self.chunks), MAX_TOPK))
        # rows this view does not hold (an update since it was loaded, or left by an interrupted
        # one) are not its results
        return [(cid, score) for cid, score in hits if cid in self.chunks]

    def vector(self, chunk_id: str) -> np.ndarray:
        if chunk_id not in self.chunks:
            raise KeyError(f"no chunk {chunk_id!r} in the index")
        vec = self.vectors.vector(chunk_id)
        if vec is None:
            raise IndexError(
                f"chunk {chunk_id} has no vector in {self.vectors.location}; the index changed since "
                f"it was loaded, or an update was interrupted: run rag index --store milvus again"
            )
        return vec
