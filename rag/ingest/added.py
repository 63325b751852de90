"""When a document first entered the index (Document.added): set once, kept across its updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rag.types import Document


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def stamp_added(docs: Sequence[Document], indexed: Mapping[str, Document]) -> list[Document]:
    """The documents with `added` set: an indexed document keeps its first date (an index written before
    the field existed gets today's), a new one gets now."""
    now = now_iso()
    first = {doc_id: d.added for doc_id, d in indexed.items()}
    return [replace(d, added=first.get(d.id) or d.added or now) for d in docs]


def stale(indexed: Document, read: Document) -> bool:
    """Whether the indexed version differs from the file as read now: its bytes changed, or reading them
    gives other text or metadata (a better reader, an index written before a field existed). Only chunks
    whose text changed are embedded again; the others keep their vectors."""
    return replace(indexed, added="") != replace(read, added="")
