"""Quotes as pieces of the offered passages: a quote that crosses a passage boundary is cited as
one piece per passage, and shown as the document's own characters without conversion artefacts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rag.types import Document, Hit
from rag.zh.text import fold_with_map


def display_text(original: str) -> str:
    """The original characters (script unchanged) without conversion artefacts (監(jiān) -> 監)
    and without line breaks: what fold() drops as artefacts is dropped here too."""
    if "(" not in original and "?" not in original:
        return re.sub(r"\s*\n\s*", "", original).strip()
    _, mapping = fold_with_map(original)
    keep = set(mapping)
    return re.sub(r"\s*\n\s*", "", "".join(c for i, c in enumerate(original) if i in keep)).strip()


Piece = tuple[int, int, int]  # (hit index, start, end): a quote inside that hit's passage


def locate(span: tuple[int, int], doc_id: str, hits: Sequence[Hit], prefer: int) -> int | None:
    """The offered passage that holds the span (the preferred one first), or None."""
    order = [prefer] + [i for i in range(len(hits)) if i != prefer]
    for i in order:
        c = hits[i].chunk
        if c.doc_id == doc_id and c.start <= span[0] and span[1] <= c.end:
            return i
    return None


def cover(span: tuple[int, int], doc_id: str, hits: Sequence[Hit], prefer: int) -> list[Piece] | None:
    """Pieces of offered passages that together cover the span (one passage when one holds it all;
    else the passage holding its start, then the rest), or None when part of it was not offered."""
    i = locate(span, doc_id, hits, prefer)
    if i is not None:
        return [(i, span[0], span[1])]
    out: list[Piece] = []
    pos = span[0]
    while pos < span[1]:
        best = None
        for k, h in enumerate(hits):
            c = h.chunk
            if (
                c.doc_id == doc_id
                and c.start <= pos < c.end
                and (best is None or c.end > hits[best].chunk.end)
            ):
                best = k
        if best is None:
            return None
        end = min(span[1], hits[best].chunk.end)
        out.append((best, pos, end))
        pos = end
    return out


def pieces_overlap(a: Sequence[Piece], b: Sequence[Piece], hits: Sequence[Hit]) -> bool:
    return any(
        hits[i].chunk.doc_id == hits[j].chunk.doc_id and s1 < e2 and s2 < e1
        for i, s1, e1 in a
        for j, s2, e2 in b
    )


def merge_pieces(pieces: Sequence[Piece], text: str) -> list[Piece]:
    """Adjacent pieces of the same passage become one quote (only whitespace between them)."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1][0] == p[0] and not text[out[-1][2] : p[1]].strip():
            out[-1] = (p[0], out[-1][1], p[2])
        else:
            out.append(p)
    return out


def span_text(hit: Hit, documents: Mapping[str, Document] | None, start: int, end: int) -> str:
    """The original text [start, end) of the hit's document (document offsets)."""
    doc = documents.get(hit.chunk.doc_id) if documents else None
    if doc is not None:
        return doc.text[start:end]
    return hit.chunk.text[start - hit.chunk.start : end - hit.chunk.start]
