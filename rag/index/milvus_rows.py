"""The rows of the Milvus store's collection: one per chunk (vector, text, folded text for the
engine's BM25, offsets), per part of a document (its fields as JSON) and the manifest's one."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from rag.types import Chunk, Document
from rag.zh.text import fold

MANIFEST_KEY = "manifest"
PART_CHARS = 16000  # a document's JSON in parts: 16000 chars of <= 4 bytes fit VARCHAR(65535)
TEXT_BYTES = 65535


def _doc_key(doc_id: str, part: int) -> str:
    return f"doc:{part}:{doc_id}"


def make_row(
    key: str, kind: str, doc_id: str, text: str, start: int, end: int, dim: int, vector=None, folded=""
) -> dict:
    vector = np.zeros(dim, dtype=np.float32) if vector is None else vector
    return {"key": key, "kind": kind, "doc_id": doc_id, "text": text, "start": start, "end": end,
            "vector": np.asarray(vector, dtype=np.float32).tolist(), "folded": folded}  # fmt: skip


def document_rows(doc: Document, n_chunks: int, dim: int) -> list[dict]:
    if len(doc.id.encode()) > 1000:
        raise ValueError(f"document id too long for the Milvus store (over 1000 bytes): {doc.id[:80]}…")
    payload = json.dumps({**asdict(doc), "chunks": n_chunks}, ensure_ascii=False)
    parts = [payload[i : i + PART_CHARS] for i in range(0, len(payload), PART_CHARS)]
    return [make_row(_doc_key(doc.id, n), "doc", doc.id, p, n, len(parts), dim) for n, p in enumerate(parts)]


def chunk_row(chunk: Chunk, vector: np.ndarray, dim: int) -> dict:
    # the text is there for other readers of the collection; this package rebuilds it from the
    # document, so a chunk longer than a VARCHAR holds loses nothing
    text = chunk.text if len(chunk.text.encode()) <= TEXT_BYTES else ""
    folded = fold(chunk.text)
    folded = folded if len(folded.encode()) <= TEXT_BYTES else ""
    return make_row(chunk.id, "chunk", chunk.doc_id, text, chunk.start, chunk.end, dim, vector, folded)


def manifest_row(manifest: dict, dim: int) -> dict:
    return make_row(MANIFEST_KEY, "manifest", "", json.dumps(manifest, ensure_ascii=False), 0, 0, dim)
