"""The cases tab (案例): the case table indexing built, with filters (sanction, place, document) and
sorting; each row opens the sentences its fields came from. Its components, events and labels."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.cases.select import CaseQuery
from rag.cases.stored import all_cases
from rag.index.snapshot import IndexError as NoIndex
from rag.web.cases_view import SORTS, case_rows, cases_html, sanction_choices
from rag.web.i18n import DEFAULT_LANG, lang_of, t
from rag.web.page import ChatPage
from rag.web.session import Session


@dataclass(frozen=True)
class CasesTab:
    tab: gr.Tab
    intro: gr.Markdown
    sanction: gr.Dropdown
    place: gr.Textbox
    doc: gr.Dropdown
    sort: gr.Radio
    refresh_btn: gr.Button
    table: gr.HTML


def _snapshot(page: ChatPage):
    try:
        return page.pipeline.snapshot
    except NoIndex:  # nothing indexed yet: an empty table
        return None


def _table(page: ChatPage, sanction: str, place: str, doc: str, sort: str, lang: str) -> str:
    snap = _snapshot(page)
    if snap is None:
        return str(cases_html([], lang, 0))
    query = CaseQuery(sanction=sanction or "", place=(place or "").strip(), doc_id=doc or "")
    rows = case_rows(snap.cases, snap.documents, query, sort or SORTS[0], lang)
    return str(cases_html(rows, lang, len(all_cases(snap.cases))))


def _choices(page: ChatPage, lang: str) -> tuple[list, list]:
    snap = _snapshot(page)
    every = [(t(lang, "cases_any"), "")]
    if snap is None:
        return every, every
    docs = [(d.title or d.id, d.id) for d in snap.documents.values() if snap.cases.get(d.id, None)]
    return every + [(s, s) for s in sanction_choices(snap.cases)], every + docs


def _sorts(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"sort_{key}"), key) for key in SORTS]


def build_cases_tab(page: ChatPage) -> CasesTab:
    lang = DEFAULT_LANG
    sanctions, docs = _choices(page, lang)
    with gr.Tab(t(lang, "tab_cases"), id="cases-tab", elem_id="cases-tab") as tab:
        intro = gr.Markdown(t(lang, "cases_intro"))
        with gr.Row(equal_height=True):
            sanction = gr.Dropdown(
                sanctions, value="", label=t(lang, "cases_sanction"), elem_id="cases-sanction"
            )
            place = gr.Textbox(label=t(lang, "cases_place"), elem_id="cases-place")
            doc = gr.Dropdown(docs, value="", label=t(lang, "cases_doc"), elem_id="cases-doc")
        with gr.Row(equal_height=True):
            sort = gr.Radio(_sorts(lang), value=SORTS[0], label=t(lang, "cases_sort"), elem_id="cases-sort")
            refresh_btn = gr.Button(t(lang, "refresh"), scale=0)
        table = gr.HTML(_table(page, "", "", "", SORTS[0], lang), elem_id="cases-table")
    return CasesTab(tab, intro, sanction, place, doc, sort, refresh_btn, table)


def wire_cases_tab(tab: CasesTab, page: ChatPage, session: Session, switch: gr.Radio, app: gr.Blocks) -> None:
    """Filters re-draw the table; refresh also re-reads the choices (after uploads); the language
    switch (and ?lang= on load) relabels the tab."""
    filters = [tab.sanction, tab.place, tab.doc, tab.sort, session.lang]

    def draw(sanction: str, place: str, doc: str, sort: str, lang: str) -> str:
        return _table(page, sanction, place, doc, sort, lang)

    for event in (tab.sanction.change, tab.doc.change, tab.sort.change, tab.place.submit):
        event(draw, filters, tab.table, api_visibility="private")

    def relabel(value: str, sanction: str, place: str, doc: str, sort: str) -> dict:
        lang = lang_of(value)
        sanctions, docs = _choices(page, lang)
        return {
            tab.tab: gr.Tab(label=t(lang, "tab_cases")),
            tab.intro: gr.Markdown(t(lang, "cases_intro")),
            tab.sanction: gr.Dropdown(choices=sanctions, label=t(lang, "cases_sanction")),
            tab.place: gr.Textbox(label=t(lang, "cases_place")),
            tab.doc: gr.Dropdown(choices=docs, label=t(lang, "cases_doc")),
            tab.sort: gr.Radio(choices=_sorts(lang), label=t(lang, "cases_sort")),
            tab.refresh_btn: gr.Button(t(lang, "refresh")),
            tab.table: _table(page, sanction, place, doc, sort, lang),
        }

    outputs = [tab.tab, tab.intro, tab.sanction, tab.place, tab.doc, tab.sort, tab.refresh_btn, tab.table]
    state = [tab.sanction, tab.place, tab.doc, tab.sort]
    switch.input(relabel, [switch, *state], outputs, api_visibility="private")
    tab.refresh_btn.click(
        lambda lang, *rest: relabel(lang, *rest), [session.lang, *state], outputs, api_visibility="private"
    )

    built = _snapshot(page)  # what the tab was built from

    def on_load(sanction: str, place: str, doc: str, sort: str, request: gr.Request) -> dict:
        wanted = lang_of(request.query_params.get("lang") if request else None)
        if wanted == DEFAULT_LANG and _snapshot(page) is built:
            return {c: gr.skip() for c in outputs}  # as built: redrawing could undo a filter set meanwhile
        return relabel(wanted, sanction, place, doc, sort)

    app.load(on_load, state, outputs, api_visibility="private")
