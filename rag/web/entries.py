"""One indexed document as the documents tab lists it (and the /documents endpoint returns it): what
the index knows of it, with the file's kind guessed from its name when ingestion did not record it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from rag.types import Document


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    source: str
    date: str  # publication date (ISO) when the text states it
    chunks: int
    uploaded: bool
    kind: str = ""  # "txt", "md", "pdf", ...
    size: int = 0  # bytes of the file; 0 when not recorded
    pages: int = 0  # pages of a paged document (PDF); 0 when not paged
    chars: int = 0  # characters of its text
    added: str = ""  # ISO date-time it first entered the index
    author: str = ""


def entry_of(doc: Document, chunks: int, uploaded: bool) -> Entry:
    kind = doc.kind or PurePosixPath(doc.id).suffix.lstrip(".").lower()
    return Entry(
        id=doc.id,
        title=doc.title,
        source=doc.source,
        date=doc.date,
        chunks=chunks,
        uploaded=uploaded,
        kind=kind,
        size=doc.size,
        pages=len(doc.pages),
        chars=len(doc.text),
        added=doc.added,
        author=doc.author,
    )
