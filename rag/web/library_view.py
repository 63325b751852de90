"""The documents tab's text: the table of indexed documents (HTML, from templates/documents.html), the
preview of one document with its page markers, the count, and what the page says about each upload and
removal (from rag.web.library's results). No gradio here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.types import Document
from rag.web.i18n import lang_of, strings, t
from rag.web.library import (
    Added,
    DuplicateContent,
    Entry,
    Removed,
    UnreadableFile,
    UnsupportedType,
    UploadError,
)
from rag.web.markup import md_text, render

COLUMNS = (
    "col_title",
    "col_kind",
    "col_size",
    "col_length",
    "col_chunks",
    "col_added",
    "col_source",
    "col_published",
    "col_actions",
)
EMPTY = "—"  # a value the index does not know (yet)


def file_size(size: int) -> str:
    """Bytes as people read them: 980 B, 12.3 KB, 4.5 MB."""
    if size <= 0:
        return EMPTY
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def length(entry: Entry, lang: str) -> str:
    """Pages for a paged document (PDF), else its characters."""
    if entry.pages:
        return t(lang, "length_pages", n=entry.pages)
    return t(lang, "length_chars", n=f"{entry.chars:,}")


def added_at(iso: str) -> str:
    """ "2025-03-01T09:30:12+00:00" -> "2025-03-01 09:30"; "" -> "—"."""
    return iso[:16].replace("T", " ") if iso else EMPTY


@dataclass(frozen=True)
class Row:
    """One document's cells, as shown."""

    id: str
    title: str
    kind: str
    size: str
    length: str
    chunks: int
    added: str
    source: str
    published: str
    origin: str
    uploaded: bool


def documents_table(entries: Sequence[Entry], lang: str) -> tuple[list[str], list[Row]]:
    """(headers, rows) of the documents table; unknown values as "—"."""
    origin = {True: t(lang, "origin_upload"), False: t(lang, "origin_corpus")}
    rows = [
        Row(
            id=e.id,
            title=e.title or e.id,
            kind=(e.kind or EMPTY).upper(),
            size=file_size(e.size),
            length=length(e, lang),
            chunks=e.chunks,
            added=added_at(e.added),
            source=e.source or EMPTY,
            published=e.date or EMPTY,
            origin=origin[e.uploaded],
            uploaded=e.uploaded,
        )
        for e in entries
    ]
    return [t(lang, k) for k in COLUMNS], rows


def documents_html(entries: Sequence[Entry], lang: str) -> str:
    """The table: a row per document (click: preview), each with a delete button that asks first."""
    headers, rows = documents_table(entries, lang)
    return str(render("documents.html", s=strings()[lang_of(lang)], headers=headers, rows=rows))


def preview_html(doc: Document | None, lang: str) -> str:
    """The whole document, escaped, with a marker where each page starts (paged documents)."""
    if doc is None:
        return str(render("preview.html", s=strings()[lang_of(lang)], doc=None, pages=[]))
    # page n runs from pages[n-1] to the next start; text before the first start belongs to page 1
    bounds = [0, *doc.pages[1:], len(doc.text)] if doc.pages else [0, len(doc.text)]
    spans = enumerate(zip(bounds, bounds[1:], strict=False), start=1)
    pages = [(n if doc.pages else 0, doc.text[s:e]) for n, (s, e) in spans]
    return str(render("preview.html", s=strings()[lang_of(lang)], doc=doc, pages=pages))


def documents_count(entries: Sequence[Entry], lang: str) -> str:
    return t(lang, "docs_count", docs=len(entries), chunks=sum(e.chunks for e in entries))


@dataclass(frozen=True)
class DocumentsView:
    """Everything the documents tab shows, from one listing of the index."""

    table: str  # HTML
    count: str  # Markdown
    choices: list[tuple[str, str]]  # (label, doc id) for the chat's document filter


def document_choices(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    return [(f"{e.title} — {e.id}", e.id) for e in entries]


def documents_view(entries: Sequence[Entry], lang: str) -> DocumentsView:
    count = documents_count(entries, lang)
    return DocumentsView(documents_html(entries, lang), count, document_choices(entries))


# ----- messages -----
def upload_messages(outcome: Added | UploadError, lang: str) -> list[str]:
    """What the page says about one uploaded file: indexed (and under which name), or why not."""
    if isinstance(outcome, Added):
        renamed = [t(lang, "renamed", old=outcome.name, new=outcome.doc_id)] if outcome.renamed else []
        return [*renamed, t(lang, "uploaded", name=outcome.doc_id, chunks=outcome.chunks)]
    if isinstance(outcome, UnsupportedType):
        return [t(lang, "bad_type", name=outcome.name, suffixes=" ".join(outcome.suffixes))]
    if isinstance(outcome, DuplicateContent):
        return [t(lang, "duplicate", name=outcome.name, existing=outcome.existing)]
    error = outcome.reason if isinstance(outcome, UnreadableFile) else outcome  # no server paths
    return [t(lang, "bad_file", name=outcome.name, error=error)]


def removal_message(removed: Removed, lang: str) -> str:
    if removed.moved_to is not None:
        return t(lang, "removed_upload", id=removed.doc_id, dest=removed.moved_to)
    return t(lang, "removed_corpus", id=removed.doc_id, path=removed.corpus_file or removed.doc_id)


def bullet_list(messages: Sequence[str]) -> str:
    """Plain-text messages as a Markdown list, each made safe for the renderer."""
    return "\n".join(f"- {md_text(m)}" for m in messages)
