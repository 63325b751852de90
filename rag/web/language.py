"""The page's header and its language: the title, the language switch, and ?lang=en in the address.

The page is built in the default language; switching relabels every component of every tab (each tab
says how, in its relabel()) and re-renders what shows text in the language (conversation, sources).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import gradio as gr

from rag.web.chat_tab import ChatTab
from rag.web.docs_tab import DocsTab
from rag.web.i18n import DEFAULT_LANG, header_markdown, lang_of, language_choices, t
from rag.web.page import ChatPage
from rag.web.retrieval_tab import RetrievalTab
from rag.web.session import Session


@dataclass(frozen=True)
class Header:
    title: gr.Markdown
    switch: gr.Radio
    theme: gr.Button


def build_header() -> Header:
    lang = DEFAULT_LANG
    with gr.Row(equal_height=True):
        title = gr.Markdown(header_markdown(lang), elem_id="header")
        switch = gr.Radio(
            language_choices(),
            value=lang,
            label=t(lang, "language"),
            elem_id="lang-switch",
            scale=0,
            min_width=220,
            container=False,
        )
        theme = gr.Button(t(lang, "theme_toggle"), size="sm", scale=0, min_width=120, elem_id="theme-toggle")
    theme.click(None, js="() => window.ragToggleTheme()")
    return Header(title=title, switch=switch, theme=theme)


def components(part: Any) -> list:
    """Every component a page part (a dataclass of components, perhaps of parts) holds."""
    found = []
    for f in fields(part):
        value = getattr(part, f.name)
        found += components(value) if is_dataclass(value) else [value]
    return found


def wire_language(
    app: gr.Blocks,
    header: Header,
    page: ChatPage,
    session: Session,
    tabs: tuple[ChatTab, DocsTab, RetrievalTab],
):
    """The switch relabels the page; loading it with ?lang= does too (else it refreshes what may have
    changed since the page was built: the documents and the evaluation report). Returns the load event
    (what restores the conversation follows it)."""
    chat, docs, retrieval = tabs
    relabelled = {header.title, header.switch, header.theme, session.lang}
    relabelled.update(*(components(tab) for tab in tabs))

    def relabel(value: str, turns, answer, show_scores: bool) -> dict:
        lang = lang_of(value)
        return {
            header.title: gr.Markdown(header_markdown(lang)),
            header.switch: gr.Radio(value=lang),
            header.theme: gr.Button(t(lang, "theme_toggle")),
            session.lang: lang,
            **chat.relabel(page, lang, turns, answer, show_scores),
            **docs.relabel(page, lang),
            **retrieval.relabel(page, lang),
        }

    def on_load(turns, answer, show_scores: bool, request: gr.Request) -> dict:
        wanted = lang_of(request.query_params.get("lang") if request else None)
        if wanted == DEFAULT_LANG:  # the page was built in it
            return {**docs.listing(page.docs_view(wanted)), **retrieval.report(page, wanted)}
        return relabel(wanted, turns, answer, show_scores)

    state = [session.turns, session.shown, chat.show_scores]
    header.switch.input(relabel, [header.switch, *state], relabelled, api_visibility="private").then(
        None, header.switch, None, js="(lang) => window.ragSetLocale(lang)"
    )
    return app.load(on_load, state, relabelled, api_visibility="private")
