"""The documents tab: upload files (several at once, indexed with a progress bar), one table of the
indexed documents (click a row: its text below; delete: asks first, in the row), and the preview; its
components, its events, and its labels in another language. The table is HTML (library_view), so it
fits the page at any width and its buttons carry the document's id."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.web.i18n import DEFAULT_LANG, t
from rag.web.library import supported_suffixes
from rag.web.library_view import DocumentsView, bullet_list
from rag.web.markup import md_text, static_text
from rag.web.page import ChatPage
from rag.web.session import Session


def _suffixes() -> str:
    return " ".join(supported_suffixes())


def _intro(page: ChatPage, lang: str) -> str:
    return t(lang, "docs_intro", uploads=page.uploads, removed=page.library.removed_dir)


@dataclass(frozen=True)
class DocsTab:
    tab: gr.Tab
    intro: gr.Markdown
    upload_box: gr.File
    status: gr.Markdown
    refresh_btn: gr.Button
    table: gr.HTML
    preview: gr.HTML

    def listing(self, docs: DocumentsView, message: str = "") -> dict:
        """The table and the count (after `message`, Markdown), from one listing."""
        return {
            self.status: (message + "\n\n" if message else "") + docs.count,
            self.table: docs.table,
        }

    def relabel(self, page: ChatPage, lang: str) -> dict:
        """Every label of the tab in `lang`, and the listing as it is now."""
        return {
            **self.listing(page.docs_view(lang)),
            self.tab: gr.Tab(label=t(lang, "tab_docs")),
            self.intro: gr.Markdown(_intro(page, lang)),
            self.upload_box: gr.File(label=t(lang, "upload", suffixes=_suffixes())),
            self.refresh_btn: gr.Button(t(lang, "refresh")),
            self.preview: page.preview(None, lang),
        }


def build_docs_tab(page: ChatPage) -> DocsTab:
    """The tab's components, in the page's default language (inside gr.Tabs)."""
    lang = DEFAULT_LANG
    with gr.Tab(t(lang, "tab_docs"), id="docs-tab") as tab:
        intro = gr.Markdown(_intro(page, lang))
        upload_box = gr.File(
            label=t(lang, "upload", suffixes=_suffixes()),
            file_count="multiple",
            file_types=list(supported_suffixes()),
            elem_id="upload",
            height=140,
        )
        docs = page.docs_view(lang)
        with gr.Row(equal_height=False):
            status = gr.Markdown(docs.count, elem_id="docs-status")
            refresh_btn = gr.Button(t(lang, "refresh"), size="sm", scale=0, min_width=90)
        table = gr.HTML(docs.table, js_on_load=static_text("docs_table.js"), elem_id="docs-table")
        preview = gr.HTML(page.preview(None, lang), elem_id="doc-preview")
    return DocsTab(
        tab=tab,
        intro=intro,
        upload_box=upload_box,
        status=status,
        refresh_btn=refresh_btn,
        table=table,
        preview=preview,
    )


def wire_docs_tab(tab: DocsTab, page: ChatPage, session: Session) -> None:
    """The tab's events: upload (indexing with a progress bar), preview or delete from a row, refresh.
    Uploads and removals change the index one at a time; each answers with the table as it is now."""
    listed = {tab.status, tab.table}

    def on_upload(files, lang: str, progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a bar
        messages = page.upload(files, lang, progress)
        return {**tab.listing(page.docs_view(lang), bullet_list(messages)), tab.upload_box: None}

    tab.upload_box.upload(
        on_upload,
        [tab.upload_box, session.lang],
        {*listed, tab.upload_box},
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="index-update",
    )

    def on_row(lang: str, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        doc_id = str(data.get("doc_id", ""))
        if data.get("action") != "delete":
            return {tab.preview: page.preview(doc_id, lang)}
        message = md_text(page.remove(doc_id, lang))
        return {**tab.listing(page.docs_view(lang), message), tab.preview: page.preview(None, lang)}

    # a removal waits for an upload being indexed (rag.web.library's lock), a preview does not
    tab.table.click(on_row, session.lang, {*listed, tab.preview}, api_visibility="private")

    def on_refresh(lang: str):
        return tab.listing(page.docs_view(lang))

    tab.refresh_btn.click(on_refresh, session.lang, listed, api_visibility="private")
