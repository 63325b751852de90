"""The chat's document filter, inside its settings: which documents, a source, a publication date range
(rag.retrieve.filters). Its components, their labels in another language, and its events: a note of
what the filter selects (or why it cannot be used), and the documents' list read fresh when it opens."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.web.i18n import DEFAULT_LANG, t
from rag.web.page import ChatPage
from rag.web.session import Session


@dataclass(frozen=True)
class FilterPanel:
    docs: gr.Dropdown
    source: gr.Textbox
    after: gr.Textbox
    before: gr.Textbox
    note: gr.Markdown

    @property
    def inputs(self) -> list:
        """The components whose values page.chat takes as `filters`, in its order."""
        return [self.docs, self.source, self.after, self.before]

    def relabel(self, lang: str) -> dict:
        hint = t(lang, "filter_date_hint")
        return {
            self.docs: gr.Dropdown(label=t(lang, "filter_docs"), info=t(lang, "filters")),
            self.source: gr.Textbox(label=t(lang, "filter_source")),
            self.after: gr.Textbox(label=t(lang, "filter_after"), placeholder=hint),
            self.before: gr.Textbox(label=t(lang, "filter_before"), placeholder=hint),
            self.note: "",
        }


def build_filters(page: ChatPage) -> FilterPanel:
    """The components, in the page's default language (inside the settings accordion)."""
    lang = DEFAULT_LANG
    hint = t(lang, "filter_date_hint")
    docs = gr.Dropdown(
        page.docs_view(lang).choices,
        multiselect=True,
        value=[],
        label=t(lang, "filter_docs"),
        info=t(lang, "filters"),
        elem_id="filter-docs",
    )
    with gr.Row():
        source = gr.Textbox(label=t(lang, "filter_source"), elem_id="filter-source")
        after = gr.Textbox(label=t(lang, "filter_after"), placeholder=hint, elem_id="filter-after")
        before = gr.Textbox(label=t(lang, "filter_before"), placeholder=hint, elem_id="filter-before")
    note = gr.Markdown("", elem_id="filter-note")
    return FilterPanel(docs=docs, source=source, after=after, before=before, note=note)


def wire_filters(panel: FilterPanel, page: ChatPage, session: Session) -> None:
    def on_change(docs, source, after, before, lang):
        return page.filter_note(docs, source, after, before, lang)

    for box in panel.inputs:
        box.change(on_change, [*panel.inputs, session.lang], panel.note, api_visibility="private")

    def on_focus(docs, lang):  # documents uploaded or removed since the page was built
        return gr.Dropdown(choices=page.docs_view(lang).choices, value=list(docs or []))

    panel.docs.focus(on_focus, [panel.docs, session.lang], panel.docs, api_visibility="private")
