"""The documents tab's text: the table of indexed documents, the remove picker's choices, the count, and
what the page says about each upload and removal (from rag.web.library's results). No gradio here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.web.i18n import t
from rag.web.library import (
    Added,
    DuplicateContent,
    Entry,
    Removed,
    UnreadableFile,
    UnsupportedType,
    UploadError,
)
from rag.web.markup import md_text

COLUMNS = ("col_title", "col_source", "col_date", "col_chunks", "col_id", "col_origin")


def documents_table(entries: Sequence[Entry], lang: str) -> tuple[list[str], list[list]]:
    """(headers, rows) of the documents table."""
    origin = {True: t(lang, "origin_upload"), False: t(lang, "origin_corpus")}
    rows = [[e.title, e.source, e.date, e.chunks, e.id, origin[e.uploaded]] for e in entries]
    return [t(lang, k) for k in COLUMNS], rows


def document_choices(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """(label, doc id) pairs for the remove picker."""
    return [(f"{e.title} — {e.id}", e.id) for e in entries]


def documents_count(entries: Sequence[Entry], lang: str) -> str:
    return t(lang, "docs_count", docs=len(entries), chunks=sum(e.chunks for e in entries))


@dataclass(frozen=True)
class DocumentsView:
    """Everything the documents tab shows, from one listing of the index."""

    headers: list[str]
    rows: list[list]
    choices: list[tuple[str, str]]
    count: str


def documents_view(entries: Sequence[Entry], lang: str) -> DocumentsView:
    headers, rows = documents_table(entries, lang)
    return DocumentsView(headers, rows, document_choices(entries), documents_count(entries, lang))


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
