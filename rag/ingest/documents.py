"""Files -> Documents: which files a corpus holds, and each one read, decoded and cleaned.

Each format has its reader (rag.ingest.readers): a .txt that looks like a saved web page is cleaned of
navigation and furniture (rag.ingest.cleaning), other text is kept as written; .md is authored and kept
whole; .html, .pdf and .docx are read by trafilatura, pypdf and python-docx. A document's id is its path
relative to the corpus folder. What a reader was unsure of comes back as warnings, never hidden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.article import Article
from rag.ingest.metadata import complete
from rag.ingest.readers import KINDS, SUPPORTED_SUFFIXES, ReadError, read_article
from rag.types import Document

DEFAULT_MAX_FILE_MB = 20  # Settings.max_file_mb: bigger files are skipped with a message


class IngestError(ValueError):
    """A file that cannot become a Document; the message names the file and the problem, `reason` only
    the problem (for messages that must not show server paths)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Loaded:
    """A file read into a Document, and what the reading was not sure of (one sentence each)."""

    document: Document
    warnings: tuple[str, ...] = ()


def _unsupported(path: Path) -> str:
    return f"unsupported file type {path.suffix or '(none)'}; supported: {' '.join(SUPPORTED_SUFFIXES)}"


def load_document(path: Path, root: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Document:
    """Read one supported file into a Document whose id is its path relative to `root`."""
    return read_document(path, root, max_file_mb).document


def read_document(path: Path, root: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Loaded:
    """Like load_document, with the reading's warnings (assumed encoding, text kept uncleaned ...)."""
    path, root = Path(path), Path(root)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(path, _unsupported(path))
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            raise IngestError(
                path, f"file too large ({size / 2**20:.1f} MB; the limit is max_file_mb = {max_file_mb:g})"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        doc_id = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise IngestError(path, f"not inside the corpus folder {root}") from None
    if not data.strip():
        raise IngestError(path, "the file is empty")
    try:
        article: Article = complete(read_article(path.suffix.lower(), data))
    except ReadError as exc:
        raise IngestError(path, str(exc)) from None
    return Loaded(
        Document(
            id=doc_id,
            title=article.title or Path(doc_id).stem,
            text=article.text,
            source=article.source,
            date=article.date,
            content_hash=hashlib.sha256(data).hexdigest(),
            author=article.author,
            kind=KINDS[path.suffix.lower()],
            size=size,
            pages=article.pages,
        ),
        tuple(f"{path}: {w}" for w in article.warnings),
    )


def hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def collect_files(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: folders give their supported files recursively, files give themselves."""
    out: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not hidden(f, p)
            )
            pairs = [(f, p) for f in found]
        elif p.is_file():
            if p.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise IngestError(p, _unsupported(p))
            pairs = [(p, p.parent)]
        else:
            raise IngestError(p, "no such file or folder")
        for f, root in pairs:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append((f, root))
    return out


def iter_documents(paths: Sequence[Path]) -> Iterator[Document]:
    """Documents of every supported file under `paths`; two files with the same id are an error."""
    ids: dict[str, Path] = {}
    for f, root in collect_files(paths):
        doc = load_document(f, root)
        if doc.id in ids:
            raise IngestError(
                f, f"document id {doc.id!r} is also the id of {ids[doc.id]}; ids must be unique"
            )
        ids[doc.id] = f
        yield doc
