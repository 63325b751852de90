"""Files -> Documents: which files a corpus holds, and each one read, decoded and cleaned.

A .txt file is a web page saved as text (rag.ingest.cleaning removes navigation and furniture);
a .md file is authored and kept whole. A document's id is its path relative to the corpus folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from rag.ingest.cleaning import clean_page, parse_markdown
from rag.ingest.decode import UndecodableError, decode
from rag.types import Document

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md")


class IngestError(ValueError):
    """A file that cannot become a Document; the message names the file and the problem, `reason` only
    the problem (for messages that must not show server paths)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def _unsupported(path: Path) -> str:
    return f"unsupported file type {path.suffix or '(none)'}; supported: {' '.join(SUPPORTED_SUFFIXES)}"


def load_document(path: Path, root: Path) -> Document:
    """Read one .txt / .md file into a Document whose id is its path relative to `root`."""
    path, root = Path(path), Path(root)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(path, _unsupported(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        doc_id = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise IngestError(path, f"not inside the corpus folder {root}") from None
    try:
        text = decode(data)
    except UndecodableError as exc:
        raise IngestError(path, f"{exc}") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "the file is empty")
    article = parse_markdown(text) if path.suffix.lower() == ".md" else clean_page(text)
    if not article.text.strip():
        raise IngestError(path, "no article text left after removing navigation and page furniture")
    return Document(
        id=doc_id,
        title=article.title or Path(doc_id).stem,
        text=article.text,
        source=article.source,
        date=article.date,
        content_hash=hashlib.sha256(data).hexdigest(),
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
