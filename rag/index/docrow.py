"""A stored document row (JSON) -> Document, for every index written so far: fields added since (author,
kind, size, pages, added) take their defaults when absent, `pages` comes back as a tuple, and fields this
version does not know are left out instead of failing."""

from __future__ import annotations

from dataclasses import fields

from rag.types import Document

_FIELDS = {f.name for f in fields(Document)}


def document_from_row(row: dict) -> Document:
    known = {k: v for k, v in row.items() if k in _FIELDS}
    if "pages" in known:
        known["pages"] = tuple(int(p) for p in known["pages"] or ())
    return Document(**known)
