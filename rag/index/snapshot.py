"""One consistent state of the index in memory: documents, chunks, their vectors (FAISS) and lexical
indexes (BM25); updates make a new Snapshot, and the manifest it would be saved with."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from rag.cases.stored import DocCases, read_document
from rag.config import VERSION
from rag.index import ann
from rag.index.ann import AnnSettings
from rag.index.lexical import LexicalIndex
from rag.types import Chunk, Document

FORMAT_VERSION = 1
# How text is folded for matching; an index built with other folding would mismatch its queries.
NORMALISATION = "nfkc+pinyin-artefacts+opencc-t2s+lower/v2; dense input folded"


class IndexError(RuntimeError):  # noqa: A001 - deliberately the store's own error type
    """The index folder is missing, corrupt, or does not match the settings; the message says what to run."""


def lexical_views() -> dict[str, Callable[[str], list[str]]]:
    from rag.zh.text import char_bigrams, tokenize

    return {"bm25": tokenize, "bigram": char_bigrams}


def faiss_id(chunk_id: str) -> int:
    """A positive int64 from the chunk's content hash: stable across rebuilds."""
    return int(chunk_id[:15], 16)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def merged(
    documents: dict[str, Document],
    chunks: dict[str, Chunk],
    dim: int,
    remove: Iterable[str],
    add: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]],
) -> tuple[dict[str, Document], dict[str, Chunk], list[tuple[Chunk, np.ndarray]]]:
    """The documents and chunks without those of `remove` and with those of `add` (replacing any
    document of the same id), sorted, plus the chunks not held before with their vectors: what
    every store does on an update before writing it its own way."""
    drop = set(remove) | {doc.id for doc, _, _ in add}
    documents = {i: d for i, d in documents.items() if i not in drop}
    chunks = {i: c for i, c in chunks.items() if c.doc_id not in drop}
    fresh: list[tuple[Chunk, np.ndarray]] = []
    for doc, doc_chunks, doc_vectors in add:
        if len(doc_chunks) != len(doc_vectors):
            raise ValueError(f"{doc.id}: {len(doc_chunks)} chunks but {len(doc_vectors)} vectors")
        documents[doc.id] = doc
        vecs = np.asarray(doc_vectors, dtype=np.float32)
        for chunk, vec in zip(doc_chunks, vecs, strict=True):
            if chunk.id in chunks:
                continue
            if vec.shape[0] != dim:
                raise IndexError(f"embedder gave {vec.shape[0]}-dim vectors; index holds {dim}")
            chunks[chunk.id] = chunk
            fresh.append((chunk, vec))
    documents = dict(sorted(documents.items()))
    chunks = dict(sorted(chunks.items(), key=lambda kv: (kv[1].doc_id, kv[1].start)))
    return documents, chunks, fresh


def build_lexical(chunks: dict[str, Chunk], skip: Iterable[str] = ()) -> dict[str, LexicalIndex]:
    """The BM25 indexes (jieba words, character bigrams) over the chunks' texts, but those in `skip`."""
    ids = list(chunks)
    texts = [chunks[i].text for i in ids]
    views = {name: tok for name, tok in lexical_views().items() if name not in set(skip)}
    return {name: LexicalIndex.build(name, texts, ids, tok) for name, tok in views.items()}


@dataclass
class Snapshot:
    """One consistent state of the index, in memory. Treated as immutable: updates make a new one,
    so readers holding the old snapshot keep working while an update runs."""

    embedder_name: str
    dim: int
    chunker: dict
    documents: dict[str, Document]
    chunks: dict[str, Chunk]  # chunk id -> Chunk, in document order
    vectors: object  # faiss.IndexIDMap2 over a flat or HNSW index (rag.index.ann)
    lexical: dict[str, LexicalIndex]
    corpus: list[str] = field(default_factory=list)
    created: str = field(default_factory=now_iso)
    cases: dict[str, DocCases] = field(default_factory=dict)  # doc id -> its cases and stated totals
    ann: AnnSettings = field(default_factory=AnnSettings)  # when and how the vectors become HNSW
    _by_faiss_id: dict[int, str] = field(default_factory=dict, repr=False)
    _searcher: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._by_faiss_id = {faiss_id(cid): cid for cid in self.chunks}

    def live_ids(self) -> np.ndarray:
        return np.fromiter(self._by_faiss_id, dtype=np.int64, count=len(self._by_faiss_id))

    def searcher(self) -> ann.Searcher:
        if self._searcher is None:  # tombstones are found once per snapshot, on the first search
            self._searcher = ann.Searcher(self.vectors, ann.dead_ids(self.vectors, self.live_ids()), self.ann)
        return self._searcher

    # ----- construction -----
    @classmethod
    def empty(
        cls, embedder_name: str, dim: int, chunker: dict, ann_settings: AnnSettings | None = None
    ) -> Snapshot:
        views = lexical_views()
        return cls(
            embedder_name=embedder_name,
            dim=dim,
            chunker=dict(chunker),
            documents={},
            chunks={},
            vectors=ann.new_flat(dim),
            lexical={name: LexicalIndex.build(name, [], [], tok) for name, tok in views.items()},
            ann=ann_settings or AnnSettings(),
        )

    def updated(
        self,
        remove: Iterable[str] = (),
        add: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]] = (),
        corpus: Sequence[str] | None = None,
    ) -> Snapshot:
        """A new snapshot without the documents in `remove` and with those in `add` (replacing any
        document of the same id). Vectors of untouched documents are reused, never recomputed."""
        documents, chunks, fresh = merged(self.documents, self.chunks, self.dim, remove, add)
        renewed = {c.id for c, _ in fresh}  # an edited document's kept chunk comes back as fresh
        gone = np.asarray([faiss_id(i) for i in self.chunks if i not in chunks or i in renewed], np.int64)
        fresh_ids = np.asarray([faiss_id(c.id) for c, _ in fresh], dtype=np.int64)
        vecs = np.stack([v for _, v in fresh]) if fresh else np.zeros((0, self.dim), np.float32)
        live = np.asarray([faiss_id(i) for i in chunks], dtype=np.int64)
        vectors = ann.updated(self.vectors, live, gone, fresh_ids, vecs, self.ann)
        lexical = build_lexical(chunks)
        # cases are read with their document, so an untouched document keeps its rows
        replaced = {doc.id for doc, _, _ in add}
        cases = {i: c for i, c in self.cases.items() if i in documents and i not in replaced}
        cases.update((doc.id, read_document(doc)) for doc, _, _ in add)
        return Snapshot(
            embedder_name=self.embedder_name,
            dim=self.dim,
            chunker=self.chunker,
            documents=documents,
            chunks=chunks,
            vectors=vectors,
            lexical=lexical,
            corpus=list(corpus) if corpus is not None else self.corpus,
            created=self.created,
            cases=dict(sorted(cases.items())),
            ann=self.ann,
        )

    # ----- queries -----
    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self.chunks or k <= 0:
            return []
        scores, ids = self.searcher().search(query_vector, min(k, len(self.chunks)))
        return [(self._by_faiss_id[int(i)], float(s)) for s, i in zip(scores, ids, strict=True) if i >= 0]

    def vector(self, chunk_id: str) -> np.ndarray:
        """The stored vector of a chunk (reused when an edited document keeps some chunks)."""
        if chunk_id not in self.chunks:
            raise KeyError(f"no chunk {chunk_id!r} in the index")
        return self.vectors.reconstruct(faiss_id(chunk_id))

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        return [c for c in self.chunks.values() if c.doc_id == doc_id]

    def vectors_info(self) -> dict:
        """What the manifest says of the vector index: its kind, and the tombstones it carries."""
        hnsw = ann.is_hnsw(self.vectors)
        info = {"kind": "hnsw" if hnsw else "flat", "held": int(self.vectors.ntotal)}
        if hnsw:
            info.update(m=self.ann.m, ef_construction=self.ann.ef_construction)
        return info

    def manifest(self, generation: str) -> dict:
        per_doc: dict[str, int] = {}
        for c in self.chunks.values():
            per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        return {
            "format_version": FORMAT_VERSION,
            "generation": generation,
            "package_version": VERSION,
            "created": self.created,
            "updated": now_iso(),
            "embedder": {"name": self.embedder_name, "dim": self.dim},
            "normalisation": NORMALISATION,
            "chunker": self.chunker,
            "lexical": sorted(self.lexical),
            **({"vectors": self.vectors_info()} if hasattr(self.vectors, "id_map") else {}),  # faiss only
            "corpus": self.corpus,
            "counts": {"documents": len(self.documents), "chunks": len(self.chunks)},
            "documents": {
                d.id: {"content_hash": d.content_hash, "title": d.title, "chunks": per_doc.get(d.id, 0)}
                for d in self.documents.values()
            },
        }
