"""Which page of a paged document (PDF) an offset of its text lies on."""

from __future__ import annotations

from bisect import bisect_right

from rag.types import Document


def page_of(doc: Document | None, offset: int) -> int:
    """1-based page holding `offset` of `doc.text`; 0 when the document is not paged (or unknown)."""
    if doc is None or not doc.pages:
        return 0
    return max(1, bisect_right(doc.pages, offset))
