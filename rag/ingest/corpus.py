"""A corpus read file by file: every file that can become a Document does; one that cannot is reported
(which file, why) and skipped, so one bad file never stops the rest of the folder from being indexed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.boilerplate import drop_repeated
from rag.ingest.documents import (
    DEFAULT_MAX_FILE_MB,
    SUPPORTED_SUFFIXES,
    IngestError,
    Loaded,
    collect_files,
    hidden,
    read_document,
)
from rag.types import Document, Skipped


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...] = ()  # read, with something assumed (which file, what): said, not hidden


def doc_id_of(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""


def unsupported_files(folders: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, folder) for the visible files of other types (.pdf, .docx, .html ...) under the folders:
    they are not read, and the report says so instead of passing over them in silence."""
    return sorted(
        (f, p)
        for p in folders
        if p.is_dir()
        for f in p.rglob("*")
        if f.is_file() and f.suffix.lower() not in SUPPORTED_SUFFIXES and not hidden(f, p)
    )


def read_corpus(
    paths: Sequence[Path], max_file_mb: float = DEFAULT_MAX_FILE_MB, progress: bool = False
) -> Corpus:
    """The Documents of every supported file under `paths`, the files skipped with their reason, and the
    warnings of files read with an assumption. A path that does not exist is still an error (the command
    itself is wrong, not one file). Lines repeated across a folder's documents are dropped (boilerplate)."""
    files = collect_files([Path(p) for p in paths])
    loaded, skipped = read_files(files, max_file_mb, progress)
    docs, notes = drop_repeated([loaded[f].document for f, _ in files if f in loaded])
    warnings = [w for f, _ in files if f in loaded for w in loaded[f].warnings]
    ordered = [skipped[f] for f, _ in files if f in skipped]
    return Corpus(tuple(docs), tuple(ordered + unsupported(paths)), tuple(warnings + notes))


def read_files(
    files: Sequence[tuple[Path, Path]], max_file_mb: float, progress: bool
) -> tuple[dict[Path, Loaded], dict[Path, Skipped]]:
    """(file, root) pairs read: the files read, and those skipped with their reason."""
    loaded: dict[Path, Loaded] = {}
    skipped: dict[Path, Skipped] = {}
    ids: dict[str, Path] = {}
    for f, root in _progress(files, progress):
        try:
            got = read_document(f, root, max_file_mb)
        except IngestError as exc:
            skipped[f] = Skipped(str(f), doc_id_of(f, root), exc.reason)
            continue
        if got.document.id in ids:  # the first file keeps the id; the other is named, not silently merged
            skipped[f] = Skipped(
                str(f), "", f"same document id {got.document.id!r} as {ids[got.document.id]}"
            )
            continue
        ids[got.document.id] = f
        loaded[f] = got
    return loaded, skipped


def unsupported(paths: Sequence[Path]) -> list[Skipped]:
    """The files of other types under the folders, each as a Skipped saying what is read."""
    suffixes = " ".join(SUPPORTED_SUFFIXES)
    return [
        Skipped(str(f), "", f"unsupported file type {f.suffix or '(none)'}; read: {suffixes}")
        for f, _ in unsupported_files(Path(p) for p in paths)
    ]


def _progress(files: list, on: bool):
    """A progress bar over the files when asked and there are enough to wait for."""
    if not on or len(files) < 20:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="reading files", unit="file")


def ids_under(folders: Iterable[Path]) -> set[str]:
    """Ids of the supported files under `folders` (or those files themselves), without reading them."""
    existing = [p for p in folders if p.is_dir() or (p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)]
    return {doc_id_of(f, root) for f, root in collect_files(existing)}
