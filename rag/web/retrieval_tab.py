"""The retrieval-test tab: every retriever's ranking for a query side by side, and the latest evaluation
report; its components, its events, and its labels in another language."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.web.i18n import DEFAULT_LANG, t
from rag.web.page import ChatPage
from rag.web.ranked import ranked_lists_html
from rag.web.session import Session


@dataclass(frozen=True)
class RetrievalTab:
    tab: gr.Tab
    query: gr.Textbox
    k: gr.Slider
    search_btn: gr.Button
    ranked: gr.HTML
    report_html: gr.HTML

    def report(self, page: ChatPage, lang: str) -> dict:
        """The evaluation report as it is on disk now (rewritten, perhaps, since the page was built)."""
        return {self.report_html: page.report(lang)}

    def relabel(self, page: ChatPage, lang: str) -> dict:
        """Every label of the tab in `lang`; the ranked lists emptied, the report re-read."""
        return {
            self.tab: gr.Tab(label=t(lang, "tab_retrieval")),
            self.query: gr.Textbox(label=t(lang, "query_label"), placeholder=t(lang, "query_placeholder")),
            self.k: gr.Slider(label=t(lang, "k_label")),
            self.search_btn: gr.Button(t(lang, "search")),
            self.ranked: ranked_lists_html({}, lang),
            **self.report(page, lang),
        }


def build_retrieval_tab(page: ChatPage) -> RetrievalTab:
    """The tab's components, in the page's default language (inside gr.Tabs)."""
    lang = DEFAULT_LANG
    with gr.Tab(t(lang, "tab_retrieval"), id="retrieval-tab") as tab:
        with gr.Row(equal_height=True):
            query = gr.Textbox(
                label=t(lang, "query_label"),
                placeholder=t(lang, "query_placeholder"),
                scale=5,
                elem_id="query",
            )
            k = gr.Slider(1, 20, value=5, step=1, label=t(lang, "k_label"), scale=2)
            search_btn = gr.Button(t(lang, "search"), variant="primary", scale=1, min_width=80)
        ranked = gr.HTML(ranked_lists_html({}, lang), js_on_load=None, elem_id="ranked")
        report_html = gr.HTML(page.report(lang), elem_id="report")
    return RetrievalTab(
        tab=tab,
        query=query,
        k=k,
        search_btn=search_btn,
        ranked=ranked,
        report_html=report_html,
    )


def wire_retrieval_tab(tab: RetrievalTab, page: ChatPage, session: Session) -> None:
    """Enter in the query box or the Search button shows the rankings."""
    for trigger in (tab.query.submit, tab.search_btn.click):
        trigger(page.ranked_html, [tab.query, tab.k, session.lang], tab.ranked, api_visibility="private")
