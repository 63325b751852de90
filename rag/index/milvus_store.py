"""The index in one Milvus collection: a Milvus Lite file (`index/milvus.db`) or a Milvus server
(`http://host:19530`). Needs the `milvus` extra: pip install -e '.[milvus]'.

One row per chunk (its vector, text, offsets, document id), per part of a document (its fields as
JSON, in parts that fit a VARCHAR), and one manifest row (embedder, dimension, chunker, corpus)
written last. Milvus has no transactions: an update deletes the rows of every removed or changed
document, writes the new rows, then the manifest. Loading keeps only documents whose rows are
complete, so after an interrupted update `rag index` re-indexes the rest; nothing half-written is
ever searched. The word BM25 is local (bm25s, built from the chunk texts at load) or Milvus's own
(milvus_bm25 = "engine"); the bigram BM25 is always local: docs/milvus.md says why.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

from rag.index.milvus_rows import MANIFEST_KEY, TEXT_BYTES, chunk_row, document_rows, manifest_row
from rag.index.milvus_view import MilvusView, Pending, VectorCache, lexical_for
from rag.index.snapshot import IndexError
from rag.index.store import check_compatible, document_from_row
from rag.types import Chunk, Document

BATCH = 128  # rows per insert: a few MB per request at most
NEEDS = "the Milvus store needs pymilvus and milvus-lite: pip install -e '.[milvus]'"


def _quoted(values) -> str:
    # a Milvus string list literal: JSON's escaping is what the Milvus expression parser reads
    return json.dumps(sorted(values), ensure_ascii=False)


class MilvusCollection:
    """One collection: its rows, dense search, stored vectors. Connects on first use."""

    def __init__(self, uri: str, name: str) -> None:
        self.uri, self.name = uri, name
        self.location = f"{uri} (collection {name})"
        self.is_file = "://" not in uri
        self._client = None
        self._cache = VectorCache()

    @property
    def client(self):
        if self._client is None:
            if self.is_file:  # the in-process Lite server's keepalive chatter is no news to users
                os.environ.setdefault("GRPC_VERBOSITY", "NONE")
            try:
                from pymilvus import MilvusClient
            except ImportError:
                raise IndexError(NEEDS) from None
            # Milvus Lite lacks the timestamp call pymilvus's query iterator tries first: it falls back,
            # but the client warns and the in-process server logs a traceback on every read
            logging.getLogger("pymilvus").setLevel(logging.ERROR)
            if self.is_file:
                logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            if self.is_file:
                Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            lite_log = logging.getLogger("milvus_lite")
            level = lite_log.level
            lite_log.setLevel(logging.CRITICAL)  # a locked file: our message below, not its traceback
            try:
                self._client = MilvusClient(uri=self.uri, token=os.environ.get("MILVUS_TOKEN", ""))
            except Exception as exc:  # pymilvus raises its own types, and grpc's, for a bad address
                hint = " (a Milvus Lite file serves one process at a time: is another rag using it?)"
                hint = hint if self.is_file else ""
                raise IndexError(f"cannot open Milvus at {self.uri}: {exc}{hint}") from None
            finally:
                lite_log.setLevel(level)
        return self._client

    def exists(self) -> bool:
        if self.is_file and not Path(self.uri).exists():
            return False  # do not create a database file just to look
        return bool(self.client.has_collection(self.name)) and self.manifest() is not None

    def ready(self) -> None:
        self.client.load_collection(self.name)  # a reopened Lite file starts released

    def create(self, dim: int) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        if self.client.has_collection(self.name):
            self.client.drop_collection(self.name)
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=2048)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)  # chunk | doc | manifest
        schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("start", DataType.INT64)  # a chunk's offsets; a document part's number
        schema.add_field("end", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)  # zeros on doc/manifest rows
        # Milvus's own BM25 over the folded chunk text (used when milvus_bm25 = "engine")
        jieba = {"tokenizer": "jieba"}
        schema.add_field(
            "folded", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True, analyzer_params=jieba
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["folded"],
                output_field_names=["sparse"],
            )
        )
        params = self.client.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        # exact inner product, as the folder store's IndexFlatIP: same vectors, same ranking
        params.add_index("vector", index_type="FLAT", metric_type="IP")
        self.client.create_collection(self.name, schema=schema, index_params=params)
        self._cache = VectorCache()

    # ----- reading -----
    def manifest(self) -> dict | None:
        self.ready()
        rows = self.client.query(self.name, filter=f'key == "{MANIFEST_KEY}"', output_fields=["text"])
        return json.loads(rows[0]["text"]) if rows else None

    def rows(self, kind: str, fields: list[str]):
        it = self.client.query_iterator(
            self.name, batch_size=1000, filter=f'kind == "{kind}"', output_fields=fields
        )
        while batch := it.next():
            yield from batch
        it.close()

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        found = self.client.search(
            self.name,
            data=[query.tolist()],
            anns_field="vector",
            limit=k,
            filter='kind == "chunk"',
            search_params={"metric_type": "IP"},
            output_fields=["key"],  # not the vectors
        )
        return [(hit["key"], float(hit["distance"])) for hit in found[0]]

    def lexical_search(self, folded_query: str, k: int) -> list[tuple[str, float]]:
        found = self.client.search(
            self.name,
            data=[folded_query],
            anns_field="sparse",
            limit=k,
            filter='kind == "chunk"',
            search_params={"metric_type": "BM25"},
            output_fields=["key"],
        )
        # best first; Milvus Lite reports BM25 scores negated, a server positive
        return [(hit["key"], abs(float(hit["distance"]))) for hit in found[0]]

    def vector(self, chunk_id: str) -> np.ndarray | None:
        cached = self._cache.get(chunk_id)
        if cached is None:
            rows = self.client.get(self.name, ids=[chunk_id], output_fields=["vector"])
            if not rows:
                return None
            cached = np.asarray(rows[0]["vector"], dtype=np.float32)
            self._cache.put(chunk_id, cached)
        return cached

    # ----- writing -----
    def delete_documents(self, doc_ids) -> None:
        doc_ids = sorted(doc_ids)
        for i in range(0, len(doc_ids), 500):
            self.client.delete(self.name, filter=f"doc_id in {_quoted(doc_ids[i : i + 500])}")

    def insert(self, rows: list[dict]) -> None:
        for i in range(0, len(rows), BATCH):
            self.client.insert(self.name, rows[i : i + BATCH])

    def put_manifest(self, manifest: dict, dim: int) -> None:
        self.client.upsert(self.name, [manifest_row(manifest, dim)])


class MilvusStore:
    """The Store protocol (rag.index.protocol) over one Milvus collection."""

    def __init__(self, uri: str, collection: str, engine_bm25: bool = False) -> None:
        self.collection = MilvusCollection(uri, collection)
        self.location = self.collection.location
        self.engine_bm25 = engine_bm25

    def exists(self) -> bool:
        return self.collection.exists()

    def empty(self, embedder_name: str, dim: int, chunker: dict) -> MilvusView:
        return MilvusView(
            embedder_name=embedder_name,
            dim=dim,
            chunker=dict(chunker),
            documents={},
            chunks={},
            vectors=self.collection,
            lexical=lexical_for(self.collection, {}, self.engine_bm25),
            pending=Pending(reset=True),
            engine_bm25=self.engine_bm25,
        )

    def load(self, embedder_name: str) -> MilvusView:
        col = self.collection
        manifest = col.manifest() if col.exists() else None
        if manifest is None:
            raise IndexError(f"no index in {self.location}; build it with: rag index --store milvus")
        check_compatible(manifest, embedder_name, Path(self.location))
        parts: dict[str, dict[int, str]] = {}
        totals: dict[str, int] = {}
        for row in col.rows("doc", ["doc_id", "text", "start", "end"]):
            parts.setdefault(row["doc_id"], {})[row["start"]] = row["text"]
            totals[row["doc_id"]] = row["end"]
        spans: dict[str, list[tuple[str, int, int]]] = {}
        for row in col.rows("chunk", ["key", "doc_id", "start", "end"]):
            spans.setdefault(row["doc_id"], []).append((row["key"], row["start"], row["end"]))
        documents: dict[str, Document] = {}
        chunks: dict[str, Chunk] = {}
        incomplete = []
        for doc_id in sorted(parts):
            got = parts[doc_id]
            if sorted(got) != list(range(totals[doc_id])):
                incomplete.append(doc_id)
                continue
            fields = json.loads("".join(got[n] for n in sorted(got)))
            if fields.pop("chunks") != len(spans.get(doc_id, [])):
                incomplete.append(doc_id)
                continue
            doc = documents[doc_id] = document_from_row(fields)
            for key, start, end in sorted(spans.get(doc_id, []), key=lambda s: s[1]):
                chunks[key] = Chunk(id=key, doc_id=doc_id, text=doc.text[start:end], start=start, end=end)
        if incomplete:  # an interrupted update: these are re-indexed by the next `rag index`
            print(
                f"warning: {len(incomplete)} documents in {self.location} are incomplete and left out "
                f"(an interrupted update); run rag index to restore them: {', '.join(incomplete[:5])}",
                file=sys.stderr,
            )
        return MilvusView(
            embedder_name=manifest["embedder"]["name"],
            dim=int(manifest["embedder"]["dim"]),
            chunker=manifest["chunker"],
            documents=documents,
            chunks=chunks,
            vectors=col,
            lexical=lexical_for(col, chunks, self.engine_bm25),
            corpus=manifest.get("corpus", []),
            created=manifest.get("created", ""),
            engine_bm25=self.engine_bm25,
        )

    def save(self, view: MilvusView) -> None:
        col, change, dim = self.collection, view.pending, view.dim
        if change.reset:
            col.create(dim)
        col.ready()
        if change.dropped:
            col.delete_documents(change.dropped)
        per_doc: dict[str, int] = {}
        for chunk, _ in change.chunks:
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
        rows = [row for d in change.documents for row in document_rows(d, per_doc.get(d.id, 0), dim)]
        rows += [chunk_row(chunk, vec, dim) for chunk, vec in change.chunks]
        col.insert(rows)
        manifest = view.manifest(generation="milvus")
        manifest.pop("documents")  # the per-document facts are in the document rows
        col.put_manifest(manifest, dim)
        view.pending = Pending()  # written: a later update of this view must not write them again
