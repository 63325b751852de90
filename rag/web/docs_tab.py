"""The documents tab: the table of indexed documents, uploading files into the index and removing
documents from it; its components, its events, and its labels in another language."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.web.i18n import DEFAULT_LANG, t
from rag.web.library import supported_suffixes
from rag.web.library_view import DocumentsView, bullet_list
from rag.web.markup import md_text
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
    remove_pick: gr.Dropdown
    remove_btn: gr.Button
    refresh_btn: gr.Button
    table: gr.Dataframe

    def listing(self, docs: DocumentsView, message: str = "") -> dict:
        """The table, the count (after `message`, Markdown) and the picker's choices, from one listing."""
        return {
            self.status: (message + "\n\n" if message else "") + docs.count,
            self.table: gr.Dataframe(value=docs.rows, headers=docs.headers),
            self.remove_pick: gr.Dropdown(choices=docs.choices, value=None),
        }

    def relabel(self, page: ChatPage, lang: str) -> dict:
        """Every label of the tab in `lang`, and the listing as it is now."""
        docs = page.docs_view(lang)
        return {
            **self.listing(docs),
            self.tab: gr.Tab(label=t(lang, "tab_docs")),
            self.intro: gr.Markdown(_intro(page, lang)),
            self.upload_box: gr.File(label=t(lang, "upload", suffixes=_suffixes())),
            self.remove_pick: gr.Dropdown(label=t(lang, "remove_pick"), choices=docs.choices),
            self.remove_btn: gr.Button(t(lang, "remove")),
            self.refresh_btn: gr.Button(t(lang, "refresh")),
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
        )
        docs = page.docs_view(lang)
        status = gr.Markdown(docs.count, elem_id="docs-status")
        with gr.Row(equal_height=True):
            remove_pick = gr.Dropdown(
                docs.choices, label=t(lang, "remove_pick"), value=None, scale=4, elem_id="remove-pick"
            )
            remove_btn = gr.Button(t(lang, "remove"), variant="stop", scale=1, elem_id="remove")
            refresh_btn = gr.Button(t(lang, "refresh"), scale=1)
        table = gr.Dataframe(
            value=docs.rows, headers=docs.headers, interactive=False, wrap=True, elem_id="docs-table"
        )
    return DocsTab(
        tab=tab,
        intro=intro,
        upload_box=upload_box,
        status=status,
        remove_pick=remove_pick,
        remove_btn=remove_btn,
        refresh_btn=refresh_btn,
        table=table,
    )


def wire_docs_tab(tab: DocsTab, page: ChatPage, session: Session) -> None:
    """The tab's events: upload (indexing with a progress bar), remove, refresh. Uploads and removals
    change the index one at a time."""
    listed = {tab.status, tab.table, tab.remove_pick}

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

    def on_remove(doc_id: str | None, lang: str):
        return tab.listing(page.docs_view(lang), md_text(page.remove(doc_id, lang)))

    tab.remove_btn.click(
        on_remove,
        [tab.remove_pick, session.lang],
        listed,
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="index-update",
    )

    def on_refresh(lang: str):
        return tab.listing(page.docs_view(lang))

    tab.refresh_btn.click(on_refresh, session.lang, listed, api_visibility="private")
