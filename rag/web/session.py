"""One visitor's state on the page (gradio State, kept per browser tab): the language, the conversation,
and the answer whose sources the panel shows. Every tab's events read or write it. The browser's id and
its current conversation live in the browser's local storage (gr.BrowserState), so a reload keeps them."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag.web.i18n import DEFAULT_LANG


@dataclass(frozen=True)
class Session:
    lang: gr.State  # the page's language code
    turns: gr.State  # [(question, Answer)]
    shown: gr.State  # the Answer whose sources the panel shows, or None
    browser: gr.BrowserState  # a random id this browser keeps: whose conversations these are
    conversation: gr.BrowserState  # the id of the stored conversation on screen ("" before the first answer)


def new_session() -> Session:
    """The states, created inside the page's gr.Blocks."""
    return Session(
        lang=gr.State(DEFAULT_LANG),
        turns=gr.State([]),
        shown=gr.State(None),
        browser=gr.BrowserState("", storage_key="rag-zh-browser"),
        conversation=gr.BrowserState("", storage_key="rag-zh-conversation"),
    )
