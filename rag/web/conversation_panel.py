"""The chat tab's conversation list: the browser's stored conversations (open one by clicking it), the
current one's title (rename), delete, and export as Markdown; restored after a reload.

Storage is rag.web.conversations (SQLite beside the index); this module is its gradio side.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from rag.web import answers
from rag.web.conversations import export_markdown, new_browser_id
from rag.web.i18n import DEFAULT_LANG, t
from rag.web.page import ChatPage
from rag.web.session import Session

_UNSAFE = re.compile(r"[^\w\-]+")  # what a file name may not hold (word characters include Han)


@dataclass(frozen=True)
class ConversationPanel:
    box: gr.Accordion
    listing: gr.Radio
    empty_note: gr.Markdown
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    export: gr.DownloadButton

    def relabel(self, lang: str) -> dict:
        return {
            self.box: gr.Accordion(label=t(lang, "conversations")),
            self.listing: gr.Radio(label=t(lang, "conversations")),
            self.empty_note: gr.Markdown(t(lang, "conversations_empty")),
            self.title: gr.Textbox(label=t(lang, "conv_title"), placeholder=t(lang, "untitled")),
            self.rename: gr.Button(t(lang, "rename")),
            self.delete: gr.Button(t(lang, "delete_conv")),
            self.export: gr.DownloadButton(t(lang, "export")),
        }

    def outputs(self) -> set:
        return {self.listing, self.empty_note, self.title, self.delete, self.export}


def build_panel() -> ConversationPanel:
    """The panel's components, in the page's default language (inside the chat column)."""
    lang = DEFAULT_LANG
    with gr.Accordion(t(lang, "conversations"), open=False, elem_id="conversations") as box:
        empty_note = gr.Markdown(t(lang, "conversations_empty"), elem_id="conv-empty")
        listing = gr.Radio([], label=t(lang, "conversations"), show_label=False, elem_id="conv-list")
        with gr.Row(equal_height=True):
            title = gr.Textbox(
                label=t(lang, "conv_title"), placeholder=t(lang, "untitled"), scale=4, elem_id="conv-title"
            )
            rename = gr.Button(t(lang, "rename"), size="sm", scale=1, min_width=60, elem_id="conv-rename")
        with gr.Row():
            delete = gr.Button(t(lang, "delete_conv"), size="sm", variant="stop", interactive=False)
            export = gr.DownloadButton(t(lang, "export"), size="sm", interactive=False, elem_id="conv-export")
    return ConversationPanel(box, listing, empty_note, title, rename, delete, export)


def export_file(page: ChatPage, browser: str, conversation: str, lang: str) -> str | None:
    """The conversation written as Markdown into a temporary folder (gradio serves it from there)."""
    turns = page.conversations.load(browser, conversation) if browser and conversation else []
    if not turns:
        return None
    title = page.conversations.title(browser, conversation)
    name = _UNSAFE.sub("_", title).strip("_")[:40] or "conversation"
    folder = Path(tempfile.gettempdir()) / "rag-export" / conversation  # one file per conversation, rewritten
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):  # a renamed conversation leaves no file under its old title
        old.unlink()
    path = folder / f"{name}.md"
    path.write_text(export_markdown(title, turns, lang), encoding="utf-8")
    return str(path)


def panel_state(panel: ConversationPanel, page: ChatPage, browser: str, conversation: str, lang: str) -> dict:
    """The list (current one selected), the title, and the delete and export buttons for `conversation`."""
    listed = page.conversations.list(browser) if browser else []
    choices = [(c.title or t(lang, "untitled"), c.id) for c in listed]
    current = conversation if any(c.id == conversation for c in listed) else None
    return {
        panel.listing: gr.Radio(choices=choices, value=current),
        panel.empty_note: gr.Markdown(visible=not listed),
        panel.title: gr.Textbox(value=page.conversations.title(browser, current) if current else ""),
        panel.delete: gr.Button(interactive=current is not None),
        panel.export: gr.DownloadButton(
            value=export_file(page, browser, current, lang) if current else None,
            interactive=current is not None,
        ),
    }


def wire_panel(panel: ConversationPanel, chat, page: ChatPage, session: Session, loaded) -> dict:
    """Restore after the page loads (`loaded`: its load event), open, rename, delete; `chat` is the
    ChatTab whose conversation the panel shows. Returns the panel's refresh as event arguments, for the
    chat's events to chain after an answer."""
    shown = {session.turns, session.shown, chat.chatbot, chat.sources, chat.doc_view}

    def show(turns: list, lang: str) -> dict:
        return {
            session.turns: turns,
            session.shown: turns[-1][1] if turns else None,
            chat.chatbot: page.messages(turns, lang),
            chat.sources: page.sources(turns[-1][1] if turns else None, lang, False),
            chat.doc_view: answers.document_html(None, None, lang),
        }

    def restore(browser: str, conversation: str, lang: str) -> dict:
        browser = browser or new_browser_id()
        turns = page.conversations.load(browser, conversation) if conversation else []
        conversation = conversation if turns else ""
        return {
            session.browser: browser,
            session.conversation: conversation,
            **show(turns, lang),
            **panel_state(panel, page, browser, conversation, lang),
        }

    state = [session.browser, session.conversation, session.lang]
    everything = {session.browser, session.conversation, *shown, *panel.outputs()}
    loaded.then(restore, state, everything, api_visibility="private", show_progress="hidden")

    def refresh(browser: str, conversation: str, lang: str) -> dict:
        return panel_state(panel, page, browser, conversation, lang)

    def open_one(browser: str, chosen: str, lang: str) -> dict:
        if not chosen:
            return {}
        return {session.conversation: chosen, **show(page.conversations.load(browser, chosen), lang)}

    panel.listing.input(
        open_one,
        [session.browser, panel.listing, session.lang],
        {session.conversation, *shown},
        api_visibility="private",
    ).then(refresh, state, panel.outputs(), api_visibility="private")

    def rename(browser: str, conversation: str, title: str, lang: str) -> dict:
        if conversation:
            page.conversations.rename(browser, conversation, title)
        return panel_state(panel, page, browser, conversation, lang)

    for trigger in (panel.rename.click, panel.title.submit):
        trigger(
            rename,
            [session.browser, session.conversation, panel.title, session.lang],
            panel.outputs(),
            api_visibility="private",
        )

    def delete(browser: str, conversation: str, lang: str) -> dict:
        if conversation:
            page.conversations.delete(browser, conversation)
        return {session.conversation: "", **show([], lang), **panel_state(panel, page, browser, "", lang)}

    panel.delete.click(
        delete, state, {session.conversation, *shown, *panel.outputs()}, api_visibility="private"
    )
    return dict(
        fn=refresh, inputs=state, outputs=panel.outputs(), api_visibility="private", show_progress="hidden"
    )
