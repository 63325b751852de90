"""The documents behind the chat page: the uploads folder beside the corpus, and the index it opens on.

Uploaded files are saved into the uploads folder under a name no indexed document and no corpus file has
(so a removed corpus document never collides with an upload at the next start), without a leading dot
(hidden files are not indexed), and indexed with Pipeline.add_files. Removing an upload moves its file
to uploads/.removed/ (hidden folders are not indexed), never deleting it or overwriting an earlier
removed copy; corpus files are never touched.
No gradio here: the page turns the results and errors below into messages in its language.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.web.entries import Entry, entry_of

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.pipeline import Pipeline
    from rag.types import UpdateReport

DEFAULT_CORPUS = "seeds"
REMOVED = ".removed"  # uploads/.removed/: where removed uploads go


# ----- why an upload was refused -----
class UploadError(ValueError):
    """A file that was not added; nothing of it was kept. `name` is the uploaded file's name."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name


class UnsupportedType(UploadError):
    def __init__(self, name: str, suffixes: Sequence[str]) -> None:
        super().__init__(name, f"unsupported file type; supported: {' '.join(suffixes)}")
        self.suffixes = tuple(suffixes)


def _reason(error: Exception) -> str:
    """Why, without server paths: ingest's reason, an OS error's name, or a text naming no path."""
    reason = getattr(error, "reason", None) or (error.strerror if isinstance(error, OSError) else None)
    text = reason or str(error)
    return text if text and "/" not in text and "\\" not in text else "could not be indexed"


class UnreadableFile(UploadError):
    def __init__(self, name: str, error: Exception) -> None:
        reason = _reason(error)
        super().__init__(name, f"cannot be read: {reason}")
        self.error, self.reason = error, reason


class DuplicateContent(UploadError):
    def __init__(self, name: str, existing: str) -> None:
        super().__init__(name, f"same content as the indexed {existing}; not added again")
        self.existing = existing


# ----- results -----
@dataclass(frozen=True)
class Added:
    name: str  # the uploaded file's name
    doc_id: str  # the name it was saved and indexed under: differs from `name` when that was taken
    chunks: int

    @property
    def renamed(self) -> bool:
        return self.doc_id != self.name


@dataclass(frozen=True)
class Removed:
    doc_id: str
    moved_to: Path | None  # where an uploaded file went; None for a corpus document
    corpus_file: Path | None  # the corpus file left in place (None when it is gone or was an upload)


# ----- file helpers -----
def supported_suffixes() -> tuple[str, ...]:
    from rag.ingest.documents import SUPPORTED_SUFFIXES

    return tuple(SUPPORTED_SUFFIXES)


def check_suffix(path: Path | str) -> None:
    """Raise UnsupportedType unless the file is of a kind ingest can read."""
    suffixes = supported_suffixes()
    if Path(path).suffix.lower() not in suffixes:
        raise UnsupportedType(Path(path).name, suffixes)


def free_name(folder: Path, name: str, taken: Set[str] = frozenset()) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, ... : the first that is neither a file in `folder` nor taken."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, i = name, 1
    while candidate in taken or (folder / candidate).exists():
        i += 1
        candidate = f"{stem}-{i}{suffix}"
    return candidate


def visible_name(name: str) -> str:
    """The upload's file name without leading dots or spaces (a hidden file would not be indexed at the
    next start); "upload.<ext>" when nothing is left of its stem."""
    suffix = Path(name).suffix
    stripped = Path(name).name.lstrip(". ").strip()
    if not Path(stripped).stem or Path(stripped).suffix != suffix:
        return f"upload{suffix}"
    return stripped


def set_aside(path: Path, bin_dir: Path) -> Path:
    """Move `path` into `bin_dir` under a free name (an earlier copy is never overwritten); returns where."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    dest = bin_dir / free_name(bin_dir, path.name)
    shutil.move(str(path), dest)
    return dest


# ----- the library -----
class Library:
    """Adds uploads to and removes documents from a shared pipeline's index, one change at a time."""

    def __init__(self, pipeline: Pipeline, uploads_dir: Path | str, settings: Settings | None = None) -> None:
        self.pipeline = pipeline
        self.uploads = Path(uploads_dir)
        self.settings = settings or pipeline.settings
        self._lock = threading.Lock()  # uploads and removals move files: one at a time

    @property
    def removed_dir(self) -> Path:
        return self.uploads / REMOVED

    def is_upload(self, doc_id: str) -> bool:
        return (self.uploads / doc_id).is_file()

    def entries(self) -> list[Entry]:
        docs = self.pipeline.documents()
        counts = Counter(c.doc_id for c in self.pipeline.snapshot.chunks.values()) if docs else Counter()
        return [entry_of(d, counts[d.id], self.is_upload(d.id)) for d in docs]

    def reserved_ids(self) -> set[str]:
        """Names an upload may not take: indexed documents' ids, and the ids of the corpus files (a
        removed corpus document comes back at the next start and must not meet an upload of its name)."""
        from rag.ingest.corpus import ids_under

        here = self.uploads.resolve()
        corpus = [p for p in self.pipeline.corpus_paths() if p.resolve() != here]
        return {d.id for d in self.pipeline.documents()} | ids_under(corpus)

    def add(self, path: Path | str) -> Added:
        """Save the file into the uploads folder under a name no indexed document has, and index it.
        Raises UnsupportedType, UnreadableFile or DuplicateContent (identical bytes already indexed)."""
        from rag.ingest.documents import load_document
        from rag.web.limits import too_large

        src = Path(path)
        with self._lock:
            self.uploads.mkdir(parents=True, exist_ok=True)
            check_suffix(src)
            if (error := too_large(src, self.settings)) is not None:
                raise error
            try:
                doc = load_document(src, src.parent)  # parse before saving: bad files never land
            except Exception as exc:
                raise UnreadableFile(src.name, exc) from exc
            existing = {d.id: d for d in self.pipeline.documents()}
            same = next((d.id for d in existing.values() if d.content_hash == doc.content_hash), None)
            if same is not None:
                raise DuplicateContent(src.name, same)
            dest = self.uploads / free_name(self.uploads, visible_name(src.name), self.reserved_ids())
            shutil.copyfile(src, dest)
            try:
                self.pipeline.add_files([dest])
            except Exception as exc:
                dest.unlink(missing_ok=True)  # a copy of the user's upload, not yet indexed
                raise UnreadableFile(src.name, exc) from exc
            return Added(src.name, dest.name, len(self.pipeline.snapshot.doc_chunks(dest.name)))

    def remove(self, doc_id: str) -> Removed:
        """Take a document out of the index (KeyError if it is not there). An uploaded file moves to
        uploads/.removed/; a corpus file stays, and comes back when the index is rebuilt from the corpus."""
        with self._lock:
            self.pipeline.document(doc_id)
            uploaded = self.is_upload(doc_id)
            self.pipeline.remove_documents([doc_id])
            if uploaded:
                bin_dir = self.removed_dir / Path(doc_id).parent
                return Removed(doc_id, set_aside(self.uploads / doc_id, bin_dir), None)
            found = (p / doc_id for p in self.pipeline.corpus_paths() if (p / doc_id).is_file())
            return Removed(doc_id, None, next(found, None))


# ----- opening the index on start -----
def recorded_corpus(index_dir: Path) -> list[Path]:
    """The corpus folders named in an index's manifest, even when the index itself cannot be loaded."""
    from rag.index.store import MANIFEST, corpus_folders

    try:
        entries = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("corpus", [])
    except (OSError, ValueError, AttributeError):
        return []
    return corpus_folders(index_dir, [p for p in entries if isinstance(p, str)])


def corpus_roots(corpus: Sequence[Path | str] | None, recorded: Sequence[Path], uploads: Path) -> list[Path]:
    """What the index should mirror: the given folders (which must exist), else the recorded ones that
    still exist, else the seeds; plus the uploads folder."""
    if corpus:
        roots = [Path(p) for p in corpus]
        missing = [p for p in roots if not p.exists()]
        if missing:
            raise FileNotFoundError(f"corpus folder not found: {', '.join(map(str, missing))}")
    else:
        roots = [p for p in recorded if p.exists()] or [Path(DEFAULT_CORPUS)]
    if uploads.resolve() not in {p.resolve() for p in roots}:
        roots.append(uploads)
    return roots


def prepare_pipeline(
    index_dir: Path | str,
    corpus: Sequence[Path | str] | None,
    uploads_dir: Path | str,
    settings: Settings,
    embedder=None,
    progress: bool = True,
) -> Pipeline:
    """open_library without its report."""
    return open_library(index_dir, corpus, uploads_dir, settings, embedder, progress)[0]


def open_library(
    index_dir: Path | str,
    corpus: Sequence[Path | str] | None,
    uploads_dir: Path | str,
    settings: Settings,
    embedder=None,
    progress: bool = True,
    load_model: bool = True,
) -> tuple[Pipeline, UpdateReport]:
    """Open the index and bring it up to date with the corpus folders plus the uploads folder (what
    Pipeline.build does), printing progress; files that cannot be read are skipped and named in the
    report (the page starts anyway). Folders given explicitly are mirrored exactly (what other folders
    put in the index goes). An index this version cannot use (other embedder, format or text
    normalisation) is rebuilt. The embedding model is loaded now, not on the first question (unless
    `load_model` is False: the page loads it in the background, rag.web.startup)."""
    from rag.index.store import IndexError as RagIndexError
    from rag.pipeline import Pipeline

    index_dir = Path(index_dir)
    rebuild = False
    try:
        pipeline = Pipeline.open(index_dir, settings, embedder)
        recorded = pipeline.corpus_paths()
    except RagIndexError as exc:
        print(f"{exc}\n-> rebuilding {index_dir} from its documents", file=sys.stderr, flush=True)
        pipeline = Pipeline(index_dir, settings, None, embedder)
        recorded, rebuild = recorded_corpus(index_dir), True
    uploads = Path(uploads_dir)
    roots = corpus_roots(corpus, recorded, uploads)
    uploads.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f"indexing {', '.join(map(str, roots))} into {index_dir}", file=sys.stderr, flush=True)
    report = pipeline.sync(roots, rebuild=rebuild, progress=progress, prune=bool(corpus))
    if progress:
        for w in report.warnings:
            print(f"warning: {w}", file=sys.stderr)
        for s in report.skipped:
            print(f"skipped: {s}", file=sys.stderr)
        print(report.summary(), flush=True)
    if load_model:
        pipeline.embedder  # noqa: B018 - load the model before the first visitor asks
    return pipeline, report
