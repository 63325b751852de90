"""The up-to-date check without reading every file: what each source file looked like (size, mtime_ns,
sha256) when it was last indexed, kept in the index folder (sources.json). A file whose stat is unchanged
is taken as the stored Document; one whose stat changed is hashed, and read only if its bytes changed
(a file touched without change is hashed once and its new stat recorded). Boilerplate is counted per
folder (rag.ingest.boilerplate), so a folder where any file was added, changed or removed is read
whole, exactly as a full read would; the other folders are not read at all.

Like git's index, a file changed without changing its size or mtime (a tool that restores the mtime)
is not noticed, unless its mtime lies within RACY_NS of the time the stats were taken (the racy-git
rule: such a file may have been written again within the same clock tick). `rag index --rebuild`
reads everything."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.config import VERSION, Settings
from rag.ingest.boilerplate import drop_repeated_by_folder, folder_of
from rag.ingest.corpus import Corpus, ids_under, read_files, unsupported
from rag.ingest.documents import collect_files
from rag.types import Document

SOURCES = "sources.json"
FORMAT = 1
# why 2 s: the coarsest mtime clock in use (FAT, some network file systems) ticks every 2 s; a file
# written again within one tick of the stat keeps the mtime it had when it was recorded
RACY_NS = 2_000_000_000
__all__ = ["SOURCES", "Source", "SourceTable", "ids_under", "read_since", "read_updated"]
_RAG = Path(__file__).parent.parent
_CODE = (_RAG / "ingest", _RAG / "zh", _RAG / "types.py")  # what shapes a Document read (and its fields)


@dataclass(frozen=True)
class Source:
    """One indexed file as it was when read: its stat, its content hash, its reading's warnings."""

    doc_id: str
    size: int
    mtime_ns: int
    sha256: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceTable:
    key: str = ""  # the reading's code and settings: a table recorded under others is not used
    recorded_ns: int = 0  # when the stats were taken (before any file was read)
    files: Mapping[str, Source] = field(default_factory=dict)  # resolved path -> Source
    notes: Mapping[str, str] = field(default_factory=dict)  # folder -> its boilerplate note
    folder: Path | None = None  # where it is kept: the index folder; None (Milvus) keeps nothing

    @classmethod
    def load(cls, folder: Path | None, key: str) -> SourceTable:
        """The table kept in `folder`; an empty one when missing, unreadable or recorded under another
        key (then every file is read once, as an index folder written before this table existed)."""
        try:
            raw = json.loads((Path(folder) / SOURCES).read_text(encoding="utf-8")) if folder else {}
            if raw.get("format") != FORMAT or raw.get("key") != key:
                return cls(key, folder=folder)
            files = {p: Source(**{**s, "warnings": tuple(s["warnings"])}) for p, s in raw["files"].items()}
            return cls(key, int(raw["recorded_ns"]), files, dict(raw["notes"]), folder)
        except (OSError, ValueError, KeyError, TypeError):
            return cls(key, folder=folder)

    def save(self) -> None:
        """Written atomically after the index: a crash leaves the older table, which only costs hashing.
        Nothing without a folder (a Milvus index writes nothing beside its database)."""
        if self.folder is None:
            return
        index_dir = Path(self.folder)
        index_dir.mkdir(parents=True, exist_ok=True)
        rows = {p: asdict(s) for p, s in sorted(self.files.items())}
        body = {"format": FORMAT, "key": self.key, "recorded_ns": self.recorded_ns, "files": rows}
        tmp = index_dir / (SOURCES + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump({**body, "notes": dict(self.notes)}, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, index_dir / SOURCES)

    def unchanged(self, source: Source, st: os.stat_result) -> bool:
        """Same size and mtime, and the mtime old enough not to hide a write within the same tick."""
        same = source.size == st.st_size and source.mtime_ns == st.st_mtime_ns
        return same and source.mtime_ns < self.recorded_ns - RACY_NS


def reading_key(settings: Settings) -> str:
    """What a Document read from a file depends on besides its bytes: the package version, the size
    limit, the user's word lists and the reading code and tables themselves (their stats)."""
    parts = [VERSION, repr(settings.max_file_mb)]
    shaped = [
        f
        for d in _CODE
        for f in ([d] if d.is_file() else sorted(d.rglob("*")))
        if f.suffix in (".py", ".toml")
    ]
    for f in shaped + [Path(p) for p in settings.lexicon_paths]:
        try:
            st = f.stat()
            parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{f}:missing")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _same_as_indexed(
    path: Path, key: str, st: os.stat_result, table: SourceTable, doc: Document | None
) -> bool:
    """Whether the file still holds the bytes of its indexed Document: by its stat, else by hashing it."""
    source = table.files.get(key)
    if source is None or doc is None or source.sha256 != doc.content_hash or source.doc_id != doc.id:
        return False  # never recorded, or the index was changed since by another route (add_files)
    if table.unchanged(source, st):
        return True
    try:
        return _sha256(path) == doc.content_hash  # touched, or edited: only the bytes tell
    except OSError:
        return False  # read, where the error is reported


def _keys_and_ids(files: Sequence[tuple[Path, Path]]) -> tuple[dict[Path, str], dict[Path, str]]:
    """Each file's resolved path (its key in the table) and document id (as doc_id_of gives it),
    resolving each path once: resolving was half the check's time at 2,000 files."""
    roots = {root: root.resolve() for root in {r for _, r in files}}
    keys, ids = {}, {}
    for f, root in files:
        real = f.resolve()
        keys[f] = str(real)
        ids[f] = real.relative_to(roots[root]).as_posix() if real.is_relative_to(roots[root]) else ""
    return keys, ids


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def read_updated(
    paths: Sequence[Path],
    max_file_mb: float,
    indexed: Mapping[str, Document],
    table: SourceTable,
    progress: bool = False,
) -> tuple[Corpus, SourceTable]:
    """What read_corpus(paths) gives, reading only the folders where a file was added, changed or
    removed; and the table to save once the index holds these documents."""
    started = time.time_ns()  # before the first stat: a write after it is racy, hence re-hashed
    files = collect_files([Path(p) for p in paths])
    keys, ids = _keys_and_ids(files)
    stats = {f: _stat(f) for f, _ in files}
    trust = table.files and len(set(ids.values())) == len(ids)  # same id twice: read all, as always
    same: dict[Path, Document] = {}
    for f, _ in files if trust else ():
        doc = indexed.get(ids[f])
        if stats[f] is not None and _same_as_indexed(f, keys[f], stats[f], table, doc):
            same[f] = doc
    loaded, skipped = read_files([(f, r) for f, r in files if f not in same], max_file_mb, progress)
    # a folder is read whole when a file in it is new or changed, or its files are not the recorded ones
    dirty = {folder_of(x.document.id) for x in loaded.values()}
    recorded: dict[str, set[str]] = {}
    for s in table.files.values():
        recorded.setdefault(folder_of(s.doc_id), set()).add(s.doc_id)
    kept: dict[str, set[str]] = {}
    for doc in same.values():
        kept.setdefault(folder_of(doc.id), set()).add(doc.id)
    dirty |= {folder for folder, members in kept.items() if recorded.get(folder) != members}
    again = [(f, r) for f, r in files if f in same and folder_of(same[f].id) in dirty]
    more, more_skipped = read_files(again, max_file_mb, progress)
    loaded.update(more)
    skipped.update(more_skipped)
    same = {f: d for f, d in same.items() if f not in more and f not in more_skipped}
    fresh, notes = drop_repeated_by_folder([loaded[f].document for f, _ in files if f in loaded])
    notes.update({k: v for k, v in table.notes.items() if k in kept and k not in dirty})
    by_id = {d.id: d for d in fresh}
    docs, warnings, entries = [], [], {}
    for f, _ in files:
        key = keys[f]
        if f in loaded:
            doc, said = by_id[loaded[f].document.id], loaded[f].warnings
        elif f in same:
            doc, said = same[f], table.files[key].warnings
        else:
            continue
        docs.append(doc)
        warnings.extend(said)
        st = stats[f]  # taken before reading: a write during the read shows as a changed stat next time
        size, mtime = (st.st_size, st.st_mtime_ns) if st else (-1, -1)
        entries[key] = Source(doc.id, size, mtime, doc.content_hash, tuple(said))
    ordered = [skipped[f] for f, _ in files if f in skipped] + unsupported(paths)
    corpus = Corpus(tuple(docs), tuple(ordered), tuple(warnings + [notes[k] for k in sorted(notes)]))
    return corpus, SourceTable(table.key, started, entries, notes, table.folder)


def read_since(
    index_dir: Path, settings: Settings, paths: Sequence[Path], indexed: Iterable[Document], progress=False
) -> tuple[Corpus, SourceTable]:
    """read_updated with the table kept in `index_dir` (save the one returned after the index); the
    folder store's only: a Milvus index keeps no file beside its database, and reads every file."""
    folder = Path(index_dir) if settings.store == "folder" else None
    table = SourceTable.load(folder, reading_key(settings))
    return read_updated(paths, settings.max_file_mb, {d.id: d for d in indexed}, table, progress)
