"""The chat tab: the conversation and question box on the left, the sources panel and the document view
on the right; its components, its events, and its labels in another language.

The events call ChatPage's plain methods and name the components they change (dicts keyed by component),
so no list of outputs has to match a tuple of results position by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag.web import answers
from rag.web.conversation_panel import ConversationPanel, build_panel
from rag.web.filter_panel import FilterPanel, build_filters, wire_filters
from rag.web.i18n import DEFAULT_LANG, answerer_choices, example_questions, mode_choices, t
from rag.web.markup import static_text
from rag.web.page import KEEP, ChatPage
from rag.web.session import Session


@dataclass(frozen=True)
class ChatTab:
    tab: gr.Tab
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    new_chat: gr.Button
    settings_box: gr.Accordion
    mode: gr.Radio
    passages: gr.Slider
    answerer: gr.Radio
    llm_note: gr.Markdown
    show_scores: gr.Checkbox
    filters: FilterPanel
    sources: gr.HTML
    doc_view: gr.HTML
    history: ConversationPanel

    def relabel(self, page: ChatPage, lang: str, turns: list, answer: Any, show_scores: bool) -> dict:
        """Every label of the tab in `lang`; the conversation and the sources panel re-rendered in it."""
        return {
            self.tab: gr.Tab(label=t(lang, "tab_chat")),
            self.chatbot: gr.Chatbot(
                value=page.messages(turns or [], lang),
                label=t(lang, "chat_label"),
                placeholder=t(lang, "chat_placeholder"),
            ),
            self.question: gr.Textbox(
                label=t(lang, "question_label"), placeholder=t(lang, "question_placeholder")
            ),
            self.send: gr.Button(t(lang, "send")),
            self.new_chat: gr.Button(t(lang, "new_chat")),
            self.settings_box: gr.Accordion(label=t(lang, "settings")),
            self.mode: gr.Radio(choices=mode_choices(lang), label=t(lang, "mode")),
            self.passages: gr.Slider(label=t(lang, "passages")),
            self.answerer: gr.Radio(choices=answerer_choices(lang), label=t(lang, "answerer")),
            self.llm_note: gr.Markdown(page.llm_note(lang)),
            self.show_scores: gr.Checkbox(label=t(lang, "show_scores")),
            **self.filters.relabel(lang),
            self.sources: page.sources(answer, lang, show_scores),
            self.doc_view: answers.document_html(None, None, lang),
            **self.history.relabel(lang),
        }


def build_chat_tab(page: ChatPage) -> ChatTab:
    """The tab's components, in the page's default language (inside gr.Tabs)."""
    lang = DEFAULT_LANG
    with gr.Tab(t(lang, "tab_chat"), id="chat-tab") as tab, gr.Row(equal_height=False):
        with gr.Column(scale=3, elem_id="chat-col"):
            chatbot = gr.Chatbot(
                label=t(lang, "chat_label"),
                elem_id="chat",
                height=520,
                placeholder=t(lang, "chat_placeholder"),
                examples=[{"text": q} for q in example_questions(lang)],
                latex_delimiters=[],
                buttons=["copy"],
                editable="user",  # edit a question: the conversation is asked again from there
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    label=t(lang, "question_label"),
                    placeholder=t(lang, "question_placeholder"),
                    lines=1,
                    max_lines=4,
                    scale=5,
                    elem_id="question",
                    autofocus=True,
                )
                send = gr.Button(t(lang, "send"), variant="primary", scale=1, min_width=80, elem_id="send")
            new_chat = gr.Button(t(lang, "new_chat"), size="sm", variant="secondary", elem_id="new-chat")
            history = build_panel()
            with gr.Accordion(t(lang, "settings"), open=False) as settings_box:
                mode = gr.Radio(mode_choices(lang), value="hybrid", label=t(lang, "mode"))
                passages = gr.Slider(
                    1, 10, value=page.settings.answer_passages, step=1, label=t(lang, "passages")
                )
                answerer = gr.Radio(
                    answerer_choices(lang),
                    value=page.default_answerer(),
                    label=t(lang, "answerer"),
                    interactive=page.llm_available(),
                )
                llm_note = gr.Markdown(page.llm_note(lang))
                show_scores = gr.Checkbox(False, label=t(lang, "show_scores"))
                filters = build_filters(page)
        with gr.Column(scale=2, elem_id="side-col"):
            sources = gr.HTML(
                page.sources(None, lang, False),
                js_on_load=static_text("sources.js"),
                elem_id="sources",
                max_height=700,
            )
            doc_view = gr.HTML(
                answers.document_html(None, None, lang),
                js_on_load=static_text("doc_view.js"),
                elem_id="doc-view",
            )
    return ChatTab(
        tab=tab,
        chatbot=chatbot,
        question=question,
        send=send,
        new_chat=new_chat,
        settings_box=settings_box,
        mode=mode,
        passages=passages,
        answerer=answerer,
        llm_note=llm_note,
        show_scores=show_scores,
        filters=filters,
        sources=sources,
        doc_view=doc_view,
        history=history,
    )


def wire_chat_tab(tab: ChatTab, page: ChatPage, session: Session, refresh: dict) -> None:
    """The tab's events: ask (Enter, Send, an example), regenerate the last answer, edit a question,
    feedback, start over, show an earlier answer's sources, scores on demand, open a source's document.
    `refresh` (event arguments) updates the conversation list after an answer is saved."""
    changes = {  # ChatUpdate's fields -> the components they change
        "messages": tab.chatbot,
        "turns": session.turns,
        "shown": session.shown,
        "sources": tab.sources,
        "question": tab.question,
        "doc_view": tab.doc_view,
    }
    settings = [tab.mode, tab.passages, tab.answerer, tab.show_scores, session.lang, *tab.filters.inputs]
    stored = [session.browser, session.conversation]
    wire_filters(tab.filters, page, session)

    def run(question, turns, mode, k, answerer, show_scores, lang, *rest):
        *filters, browser, conversation = rest  # the filter's values, then the stored ids
        for step in page.chat(question, turns, mode, k, answerer, show_scores, lang, filters):
            yield {changes[name]: value for name, value in step.changed().items()}
            if browser and step.turns is not KEEP:  # answered: saved for this browser
                yield {session.conversation: page.conversations.save(browser, conversation, step.turns)}

    def asking(fn, inputs):
        return dict(
            fn=fn,
            inputs=inputs,
            outputs={*changes.values(), session.conversation},
            api_visibility="private",
            concurrency_limit=4,
            concurrency_id="chat",
        )

    chat_event = asking(run, [tab.question, session.turns, *settings, *stored])
    for trigger in (tab.question.submit, tab.send.click):
        trigger(**chat_event).then(**refresh)

    def on_example(evt: gr.SelectData):
        return (evt.value or {}).get("text", "") if isinstance(evt.value, dict) else str(evt.value)

    example = tab.chatbot.example_select(on_example, None, tab.question, api_visibility="private")
    example.then(**chat_event).then(**refresh)

    def regenerate(turns, *rest):  # rest: the settings, then the stored ids
        turns = list(turns or [])
        if turns:  # the last question asked again, its answer replaced
            yield from run(turns[-1][0], turns[:-1], *rest)

    tab.chatbot.retry(**asking(regenerate, [session.turns, *settings, *stored])).then(**refresh)

    def edit(turns, mode, k, answerer, scores, lang, docs, src, after, before, bro, conv, evt: gr.EditData):
        turns, i = list(turns or []), evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        text = evt.value if isinstance(evt.value, str) else str((evt.value or {}).get("text", ""))
        rest = (mode, k, answerer, scores, lang, docs, src, after, before, bro, conv)
        if isinstance(i, int) and i // 2 < len(turns):  # asked again from the edited question on
            yield from run(text, turns[: i // 2], *rest)

    tab.chatbot.edit(**asking(edit, [session.turns, *settings, *stored])).then(**refresh)

    def feedback(browser, conversation, evt: gr.LikeData):
        i = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if browser and conversation and isinstance(i, int):
            page.conversations.feedback(browser, conversation, i // 2, evt.liked if evt.liked != "" else None)

    tab.chatbot.like(feedback, stored, None, api_visibility="private")

    def clear(lang: str):
        return {
            tab.chatbot: [],
            session.turns: [],
            session.shown: None,
            session.conversation: "",
            tab.sources: page.sources(None, lang, False),
            tab.doc_view: answers.document_html(None, None, lang),
        }

    cleared = {tab.chatbot, session.turns, session.shown, session.conversation, tab.sources, tab.doc_view}
    tab.new_chat.click(clear, session.lang, cleared, api_visibility="private").then(**refresh)
    tab.chatbot.clear(clear, session.lang, cleared, api_visibility="private").then(**refresh)

    def on_select(turns, lang, show_scores, evt: gr.SelectData):
        answer, panel = page.select_turn(turns, evt.index, lang, show_scores)
        return {session.shown: answer, tab.sources: panel}

    tab.chatbot.select(
        on_select,
        [session.turns, session.lang, tab.show_scores],
        {session.shown, tab.sources},
        api_visibility="private",
    )
    tab.show_scores.change(
        page.sources, [session.shown, session.lang, tab.show_scores], tab.sources, api_visibility="private"
    )

    def on_open(lang: str, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        return page.open_document(str(data.get("doc_id", "")), data.get("start"), data.get("end"), lang)

    tab.sources.click(on_open, session.lang, tab.doc_view, api_visibility="private")
