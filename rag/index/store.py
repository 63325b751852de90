"""The persisted index folder: manifest.json + one generation folder of plain files.

    index/manifest.json            versioned; names the live generation; written last, atomically
    index/gen-000007/documents.jsonl   Document per line (with its text: citations point into it)
    index/gen-000007/chunks.jsonl      Chunk per line, in document order
    index/gen-000007/vectors.faiss     IndexIDMap2(IndexFlatIP): ids derived from chunk ids
    index/gen-000007/bm25/, bigram/    bm25s indexes (json + npy, no pickle)

An update writes a complete new generation, fsyncs it, then swaps manifest.json with os.replace.
A process killed at any point leaves the old manifest naming the old, intact generation.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.config import VERSION
from rag.index.lexical import LexicalIndex
from rag.types import Chunk, Document

FORMAT_VERSION = 1
# How text is folded for matching; an index built with other folding would mismatch its queries.
NORMALISATION = "nfkc+pinyin-artefacts+opencc-t2s+lower/v2; dense input folded"
MANIFEST = "manifest.json"


class IndexError(RuntimeError):  # noqa: A001 - deliberately the store's own error type
    """The index folder is missing, corrupt, or does not match the settings; the message says what to run."""


def lexical_views() -> dict[str, Callable[[str], list[str]]]:
    from rag.zh.text import char_bigrams, tokenize

    return {"bm25": tokenize, "bigram": char_bigrams}


def faiss_id(chunk_id: str) -> int:
    """A positive int64 from the chunk's content hash: stable across rebuilds."""
    return int(chunk_id[:15], 16)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _faiss():
    import faiss

    # one thread: on 2 cores OpenMP start-up costs more than a flat search over thousands of vectors
    # (measured: 8x faster per query on the seeds)
    faiss.omp_set_num_threads(1)
    return faiss


def _new_vector_index(dim: int):
    faiss = _faiss()
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


@dataclass
class Snapshot:
    """One consistent state of the index, in memory. Treated as immutable: updates make a new one,
    so readers holding the old snapshot keep working while an update runs."""

    embedder_name: str
    dim: int
    chunker: dict
    documents: dict[str, Document]
    chunks: dict[str, Chunk]  # chunk id -> Chunk, in document order
    vectors: object  # faiss.IndexIDMap2
    lexical: dict[str, LexicalIndex]
    corpus: list[str] = field(default_factory=list)
    created: str = field(default_factory=_now)
    _by_faiss_id: dict[int, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_faiss_id = {faiss_id(cid): cid for cid in self.chunks}

    # ----- construction -----
    @classmethod
    def empty(cls, embedder_name: str, dim: int, chunker: dict) -> Snapshot:
        views = lexical_views()
        return cls(
            embedder_name=embedder_name,
            dim=dim,
            chunker=dict(chunker),
            documents={},
            chunks={},
            vectors=_new_vector_index(dim),
            lexical={name: LexicalIndex.build(name, [], [], tok) for name, tok in views.items()},
        )

    def updated(
        self,
        remove: Iterable[str] = (),
        add: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]] = (),
        corpus: Sequence[str] | None = None,
    ) -> Snapshot:
        """A new snapshot without the documents in `remove` and with those in `add` (replacing any
        document of the same id). Vectors of untouched documents are reused, never recomputed."""
        faiss = _faiss()
        drop = set(remove) | {doc.id for doc, _, _ in add}
        documents = {i: d for i, d in self.documents.items() if i not in drop}
        chunks = {i: c for i, c in self.chunks.items() if c.doc_id not in drop}
        vectors = faiss.clone_index(self.vectors)
        gone = [faiss_id(i) for i, c in self.chunks.items() if c.doc_id in drop]
        if gone:
            vectors.remove_ids(np.asarray(gone, dtype=np.int64))
        for doc, doc_chunks, doc_vectors in add:
            if len(doc_chunks) != len(doc_vectors):
                raise ValueError(f"{doc.id}: {len(doc_chunks)} chunks but {len(doc_vectors)} vectors")
            documents[doc.id] = doc
            fresh = [c for c in doc_chunks if c.id not in chunks]
            keep = [j for j, c in enumerate(doc_chunks) if c.id not in chunks]
            chunks.update((c.id, c) for c in fresh)
            if fresh:
                vecs = np.ascontiguousarray(np.asarray(doc_vectors, dtype=np.float32)[keep])
                if vecs.shape[1] != self.dim:
                    raise IndexError(f"embedder gave {vecs.shape[1]}-dim vectors; index holds {self.dim}")
                vectors.add_with_ids(vecs, np.asarray([faiss_id(c.id) for c in fresh], dtype=np.int64))
        documents = dict(sorted(documents.items()))
        chunks = dict(sorted(chunks.items(), key=lambda kv: (kv[1].doc_id, kv[1].start)))
        ids = list(chunks)
        texts = [chunks[i].text for i in ids]
        lexical = {name: LexicalIndex.build(name, texts, ids, tok) for name, tok in lexical_views().items()}
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
        )

    # ----- queries -----
    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self.chunks or k <= 0:
            return []
        q = np.ascontiguousarray(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))
        scores, ids = self.vectors.search(q, min(k, len(self.chunks)))
        return [
            (self._by_faiss_id[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0
        ]

    def vector(self, chunk_id: str) -> np.ndarray:
        """The stored vector of a chunk (reused when an edited document keeps some chunks)."""
        return self.vectors.reconstruct(faiss_id(chunk_id))

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        return [c for c in self.chunks.values() if c.doc_id == doc_id]

    def manifest(self, generation: str) -> dict:
        per_doc: dict[str, int] = {}
        for c in self.chunks.values():
            per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        return {
            "format_version": FORMAT_VERSION,
            "generation": generation,
            "package_version": VERSION,
            "created": self.created,
            "updated": _now(),
            "embedder": {"name": self.embedder_name, "dim": self.dim},
            "normalisation": NORMALISATION,
            "chunker": self.chunker,
            "lexical": sorted(self.lexical),
            "corpus": self.corpus,
            "counts": {"documents": len(self.documents), "chunks": len(self.chunks)},
            "documents": {
                d.id: {"content_hash": d.content_hash, "title": d.title, "chunks": per_doc.get(d.id, 0)}
                for d in self.documents.values()
            },
        }


# ----- persistence -----
def corpus_folders(index_dir: Path, entries: Iterable[str]) -> list[Path]:
    """The manifest's corpus entries as paths: relative ones are relative to the index's parent."""
    base = Path(index_dir).resolve().parent
    return [Path(p) if Path(p).is_absolute() else base / p for p in entries]


def read_manifest(index_dir: Path) -> dict:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexError(f"no index at {index_dir} (missing {MANIFEST}); build it with: rag index")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexError(f"{path} is unreadable ({exc}); rebuild with: rag index --rebuild") from None
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexError(
            f"index at {index_dir} has format version {version}, this rag {VERSION} reads version "
            f"{FORMAT_VERSION}; rebuild it with: rag index --rebuild"
        )
    return manifest


def check_compatible(manifest: dict, embedder_name: str, index_dir: Path) -> None:
    built_with = manifest["embedder"]["name"]
    if built_with != embedder_name:
        raise IndexError(
            f"index at {index_dir} was built with embedder {built_with!r} "
            f"({manifest['embedder']['dim']} dims) but the settings ask for {embedder_name!r}. "
            f"Rebuild it with: rag index --rebuild  (or set embedder = {built_with!r} in rag.toml / "
            f"RAG_EMBEDDER to use the index as it is)"
        )
    if manifest.get("normalisation") != NORMALISATION:
        raise IndexError(
            f"index at {index_dir} folds text as {manifest.get('normalisation')!r}, this rag as "
            f"{NORMALISATION!r}; rebuild it with: rag index --rebuild"
        )


def load_snapshot(index_dir: Path, embedder_name: str) -> Snapshot:
    faiss = _faiss()
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    check_compatible(manifest, embedder_name, index_dir)
    gen = index_dir / manifest["generation"]
    try:
        documents = {row["id"]: Document(**row) for row in _read_jsonl(gen / "documents.jsonl")}
        chunks = {row["id"]: Chunk(**row) for row in _read_jsonl(gen / "chunks.jsonl")}
        vectors = faiss.read_index(str(gen / "vectors.faiss"))
        views = lexical_views()
        lexical = {name: LexicalIndex.load(name, gen / name, views[name]) for name in manifest["lexical"]}
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise IndexError(
            f"index at {index_dir} is damaged ({exc}); rebuild it with: rag index --rebuild"
        ) from None
    if vectors.ntotal != len(chunks):
        raise IndexError(f"index at {index_dir} is inconsistent; rebuild it with: rag index --rebuild")
    return Snapshot(
        embedder_name=manifest["embedder"]["name"],
        dim=int(manifest["embedder"]["dim"]),
        chunker=manifest["chunker"],
        documents=documents,
        chunks=chunks,
        vectors=vectors,
        lexical=lexical,
        corpus=manifest.get("corpus", []),
        created=manifest.get("created", _now()),
    )


def _next_generation(index_dir: Path) -> str:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _write_generation(snapshot: Snapshot, gen: Path) -> None:
    import faiss

    if gen.exists():  # left behind by a killed write: never referenced by the manifest
        shutil.rmtree(gen)
    gen.mkdir(parents=True)
    _write_jsonl(gen / "documents.jsonl", (asdict(d) for d in snapshot.documents.values()))
    _write_jsonl(gen / "chunks.jsonl", (asdict(c) for c in snapshot.chunks.values()))
    faiss.write_index(snapshot.vectors, str(gen / "vectors.faiss"))
    for name, lex in snapshot.lexical.items():
        lex.save(gen / name)
    for path in gen.rglob("*"):
        if path.is_file():
            _fsync_file(path)
    for folder in [gen, *[p for p in gen.rglob("*") if p.is_dir()]]:
        _fsync_dir(folder)


def _commit_manifest(index_dir: Path, manifest: dict) -> None:
    tmp = index_dir / (MANIFEST + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MANIFEST)
    _fsync_dir(index_dir)


def save_snapshot(snapshot: Snapshot, index_dir: Path) -> str:
    """Write `snapshot` as the new live generation; returns its name. Old generations are removed
    only after the manifest names the new one."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = _next_generation(index_dir)
    _write_generation(snapshot, index_dir / generation)
    _commit_manifest(index_dir, snapshot.manifest(generation))
    for old in index_dir.glob("gen-*"):
        if old.name != generation and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return generation
