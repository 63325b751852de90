"""The persisted index folder: manifest.json + one generation folder of plain files.

    index/manifest.json            versioned; names the live generation; written last, atomically
    index/gen-000007/documents.jsonl   Document per line (with its text: citations point into it)
    index/gen-000007/chunks.jsonl      Chunk per line, in document order
    index/gen-000007/cases.jsonl       the cases each document describes (rag.cases), per document
    index/gen-000007/vectors.faiss     IndexIDMap2 over IndexFlatIP, or HNSW above a size (rag.index.ann):
                                       ids derived from chunk ids
    index/gen-000007/bm25/, bigram/    bm25s indexes (json + npy, no pickle)

An update writes a complete new generation, fsyncs it, then swaps manifest.json with os.replace.
A process killed at any point leaves the old manifest naming the old, intact generation.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rag.cases.stored import complete, doc_cases_from_dict, doc_cases_to_dict
from rag.config import VERSION
from rag.index import ann
from rag.index.ann import AnnSettings
from rag.index.docrow import document_from_row
from rag.index.lexical import LexicalIndex
from rag.index.snapshot import (
    FORMAT_VERSION,
    NORMALISATION,
    IndexError,
    Snapshot,
    faiss_id,
    lexical_views,
    now_iso,
)
from rag.types import Chunk

MANIFEST = "manifest.json"


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


def corpus_folders(index_dir: Path, entries: Iterable[str]) -> list[Path]:
    """The manifest's corpus entries as paths: relative ones are relative to the index's parent."""
    base = Path(index_dir).resolve().parent
    return [Path(p) if Path(p).is_absolute() else base / p for p in entries]


def corpus_entries(index_dir: Path, paths: Iterable[Path | str]) -> list[str]:
    """The inverse of corpus_folders: paths as the manifest records them (relative to the index's parent
    when inside it, else absolute)."""
    base, entries = Path(index_dir).resolve().parent, []
    for p in paths:
        resolved = Path(p).resolve()
        entries.append(str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(resolved))
    return entries


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


def load_snapshot(index_dir: Path, embedder_name: str, ann_settings: AnnSettings | None = None) -> Snapshot:
    faiss = ann.faiss_module()
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    check_compatible(manifest, embedder_name, index_dir)
    gen = index_dir / manifest["generation"]
    try:
        documents = {row["id"]: document_from_row(row) for row in _read_jsonl(gen / "documents.jsonl")}
        chunks = {row["id"]: Chunk(**row) for row in _read_jsonl(gen / "chunks.jsonl")}
        vectors = faiss.read_index(str(gen / "vectors.faiss"))
        views = lexical_views()
        lexical = {name: LexicalIndex.load(name, gen / name, views[name]) for name in manifest["lexical"]}
        stored = gen / "cases.jsonl"  # absent in an index written before cases were stored
        rows = [doc_cases_from_dict(r) for r in _read_jsonl(stored)] if stored.is_file() else []
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise IndexError(
            f"index at {index_dir} is damaged ({exc}); rebuild it with: rag index --rebuild"
        ) from None
    if not ann.consistent(vectors, np.asarray([faiss_id(c) for c in chunks], dtype=np.int64)):
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
        created=manifest.get("created", now_iso()),
        cases=complete({r.doc_id: r for r in rows}, documents.values()),
        ann=ann_settings or AnnSettings(),
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
    _write_jsonl(gen / "cases.jsonl", (doc_cases_to_dict(c) for c in snapshot.cases.values()))
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
    remove_stale_generations(index_dir, generation)
    return generation


class FolderStore:
    """The index as a folder of plain files (see the module docstring): the default store."""

    def __init__(self, index_dir: Path, ann_settings: AnnSettings | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.location = str(index_dir)
        self.ann = ann_settings or AnnSettings()

    def exists(self) -> bool:
        return (self.index_dir / MANIFEST).exists()

    def load(self, embedder_name: str) -> Snapshot:
        return load_snapshot(self.index_dir, embedder_name, self.ann)

    def empty(self, embedder_name: str, dim: int, chunker: dict) -> Snapshot:
        return Snapshot.empty(embedder_name, dim, chunker, self.ann)

    def save(self, view: Snapshot) -> None:
        save_snapshot(view, self.index_dir)


def remove_stale_generations(index_dir: Path, live: str | None = None) -> list[str]:
    """Delete the generation folders the manifest does not name (a kill can land after the manifest
    switch and before this cleanup); returns their names. Called after every save and on every run."""
    try:
        live = live or read_manifest(Path(index_dir))["generation"]
    except (IndexError, KeyError):
        return []  # no readable manifest: nothing can be known stale
    stale = [p for p in Path(index_dir).glob("gen-*") if p.name != live and p.is_dir()]
    for old in stale:
        shutil.rmtree(old, ignore_errors=True)
    return sorted(p.name for p in stale)
