"""What the documents tab's events and the chat's document filter do, as plain methods (ChatPage inherits
them): list, upload, remove and preview documents; turn the filter settings into the ids a search may
use (rag.retrieve.filters). No gradio here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rag.retrieve.filters import DocFilter, date_range
from rag.types import Skipped
from rag.web.i18n import t
from rag.web.library import Library, UploadError
from rag.web.library_view import (
    DocumentsView,
    bullet_list,
    documents_view,
    preview_html,
    removal_message,
    upload_messages,
)
from rag.web.limits import PageError, check_uploads


class DocumentActions:
    """Mixed into ChatPage: needs `pipeline`, `library`, `settings` and `skipped`."""

    pipeline: object
    library: Library
    skipped: tuple[Skipped, ...]

    def docs_view(self, lang: str) -> DocumentsView:
        view = documents_view(self.library.entries(), lang)
        if not self.skipped:
            return view
        lines = [f"{s.doc_id or Path(s.path).name}: {s.reason}" for s in self.skipped]
        return replace(view, count=f"{view.count}\n\n{t(lang, 'skipped_files')}\n{bullet_list(lines)}")

    def preview(self, doc_id: str | None, lang: str) -> str:
        """The whole document with its page markers; the hint when there is none (e.g. removed since)."""
        try:
            return preview_html(self.pipeline.document(doc_id or ""), lang)
        except KeyError:
            return preview_html(None, lang)

    def upload(self, files: Sequence[str] | None, lang: str, progress=None) -> list[str]:
        """Save each file into the uploads folder under a name no other document has, and index it.
        Returns the messages about each file."""
        files = [f for f in (files or []) if f]
        if not files:
            return [t(lang, "nothing_uploaded")]
        try:
            check_uploads(files, self.settings)
        except PageError as exc:
            return [exc.message(lang)]
        messages = []
        for i, f in enumerate(files):
            if progress is not None:
                progress(i / len(files), desc=t(lang, "indexing", name=Path(f).name))
            try:
                outcome = self.library.add(f)
            except UploadError as exc:
                outcome = exc
            except PageError as exc:  # too large: refused before reading
                messages.append(exc.message(lang))
                continue
            messages += upload_messages(outcome, lang)
        if progress is not None:
            progress(1.0)
        return messages

    def remove(self, doc_id: str | None, lang: str) -> str:
        """Remove a document from the index; an uploaded file moves to uploads/.removed/ (never deleted)."""
        if not doc_id:
            return t(lang, "remove_none")
        try:
            return removal_message(self.library.remove(doc_id), lang)
        except KeyError:
            return t(lang, "remove_unknown", id=doc_id)

    # ----- the chat's document filter -----
    def filter_ids(
        self, docs: Sequence[str] | None, source: str = "", after: str = "", before: str = ""
    ) -> frozenset[str] | None:
        """The documents the filter settings allow (None: no filter). PageError for a bad or reversed
        date, or when no document matches; a chosen document removed since is ignored."""
        for value in (after, before):
            if (value or "").strip() and date_range(value) is None:
                raise PageError("filter_bad_date", date=value.strip())
        known = {d.id for d in self.pipeline.documents()}
        try:
            wanted = DocFilter.of([d for d in docs or () if d in known], source, after, before)
        except ValueError:
            raise PageError("filter_reversed", after=after.strip(), before=before.strip()) from None
        if docs and not wanted.doc_ids:  # every chosen document is gone: not "all documents"
            raise PageError("filter_none")
        ids = wanted.select(self.pipeline.documents())
        if ids is not None and not ids:
            raise PageError("filter_none")
        return ids

    def filter_note(self, docs, source: str, after: str, before: str, lang: str) -> str:
        """What the filter settings select, said under them (or why they cannot be used)."""
        try:
            ids = self.filter_ids(docs, source, after, before)
        except PageError as exc:
            return exc.message(lang)
        return "" if ids is None else t(lang, "filter_note", n=len(ids))
