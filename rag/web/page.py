"""What the page's events do, as plain methods over the shared pipeline: testable without a browser,
and the same methods serve the named API endpoints (/ask, /search, /ranked, /documents).

It translates between the page and rag.Pipeline (ask, search) and rag.web.library (uploads, removals);
the HTML and text come from the view modules (answers, ranked, library_view). No gradio here: a chat
step says which parts of the page it changes (ChatUpdate), and the chat tab maps them to its components.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from rag.config import Settings
from rag.types import Answer, Skipped
from rag.web import answers
from rag.web.conversations import ConversationStore, store_beside
from rag.web.docs_page import DocumentActions
from rag.web.i18n import llm_note, t
from rag.web.library import Library
from rag.web.limits import (
    PageError,
    as_page_error,
    check_history,
    check_k,
    check_mode,
    check_question,
    stream_within,
    within,
)
from rag.web.markup import esc
from rag.web.ranked import ranked_lists_html
from rag.web.report_view import report_html
from rag.web.streaming import paced

DEFAULT_REPORTS = "eval/reports/latest"  # a user folder (where `rag eval` writes), not package data


class Keep:
    """The value of a ChatUpdate field that leaves its part of the page as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = Keep()


class ChatUpdate(NamedTuple):
    """One step of answering: the parts of the page it changes (the others are KEEP)."""

    messages: Any = KEEP  # the chat's messages
    turns: Any = KEEP  # [(question, Answer)]: the conversation so far
    shown: Any = KEEP  # the Answer whose sources the panel shows
    sources: Any = KEEP  # the sources panel's HTML
    question: Any = KEEP  # the question box
    doc_view: Any = KEEP  # the document view's HTML

    def changed(self) -> dict[str, Any]:
        return {name: value for name, value in self._asdict().items() if value is not KEEP}


class ChatPage(DocumentActions):
    """What the page's events do, as plain methods over the shared pipeline (testable without a browser)."""

    def __init__(
        self,
        pipeline,
        uploads_dir: Path | str,
        reports_dir: Path | str = DEFAULT_REPORTS,
        skipped: Sequence[Skipped] = (),
        conversations: Path | str | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.skipped = tuple(skipped)  # corpus files the start could not index (shown in the documents tab)
        self.library = Library(pipeline, uploads_dir, pipeline.settings)
        self.uploads = self.library.uploads
        self.reports = Path(reports_dir)
        self._conversations = conversations

    @property
    def conversations(self) -> ConversationStore:
        """The visitors' conversations: a SQLite file beside the index unless named (made on first write)."""
        return ConversationStore(self._conversations or store_beside(self.pipeline.index_dir))

    # ----- settings -----
    @property
    def settings(self) -> Settings:
        return self.pipeline.settings

    def llm_available(self) -> bool:
        return bool(self.settings.llm_base_url and self.settings.llm_model)

    def default_answerer(self) -> str:
        """The page's choice: "llm" when configured and chosen, else "extractive" (the local reader)."""
        return "llm" if self.llm_available() and self.settings.answerer == "llm" else "extractive"

    def local_answerer(self) -> str:
        """What the page's "extractive" (quotes) choice runs: the configured local reader (the default,
        `combined`, quotes like the extractive one and falls back to the learned reader)."""
        return self.settings.answerer if self.settings.answerer != "llm" else Settings().answerer

    def llm_note(self, lang: str) -> str:
        return llm_note(self.settings.llm_model, self.settings.llm_base_url, lang)

    # ----- data endpoints (API) -----
    def ask(
        self,
        question: str,
        history: list[list[str]] | None = None,
        mode: str = "hybrid",
        k: int | None = None,
        answerer: str = "",
        docs: list[str] | None = None,
        source: str = "",
        after: str = "",
        before: str = "",
    ) -> dict:
        """Answer a question (with the previous turns as [question, answer] pairs); returns the answer
        with its citations (doc_id, quote, start, end) and the passages it drew on. mode: hybrid,
        dense, bm25 or bigram; k: passages to draw on; answerer: extractive, llm, or empty for the
        configured one; docs, source, after, before (YYYY-MM-DD): only passages of matching documents."""
        from rag.jsonview import answer_to_dict

        st = self.settings
        question, pairs = check_question(question, st), check_history(history, st)
        mode, k = check_mode(mode), check_k(k, None)
        doc_ids = self.filter_ids(docs, source, after, before)
        pipe = self.pipeline.configure()  # this question sees one snapshot even if an update lands
        chosen = self.answerer(pipe, answerer)
        ask = functools.partial(pipe.ask, mode=mode, k=k, answerer=chosen, doc_ids=doc_ids)
        answer = within(st.request_timeout, ask, question, pairs)
        return answer_to_dict(answer)

    def answerer(self, pipe, name: str | None):
        """The named answerer; "llm" without a configured endpoint is refused with what to set."""
        name = name or self.default_answerer()
        if name == "llm" and not self.llm_available():
            raise PageError("llm_unavailable")
        return pipe.answerer(self.local_answerer() if name == "extractive" else name)

    def search(
        self,
        query: str,
        k: int = 5,
        mode: str = "hybrid",
        docs: list[str] | None = None,
        source: str = "",
        after: str = "",
        before: str = "",
    ) -> dict:
        """Ranked passages for a query (mode: hybrid, dense, bm25 or bigram); docs, source, after,
        before (YYYY-MM-DD): only passages of matching documents."""
        from rag.jsonview import search_to_dict

        query, mode, k = check_question(query, self.settings), check_mode(mode), check_k(k, 5)
        doc_ids = self.filter_ids(docs, source, after, before)
        search = functools.partial(self.pipeline.search, k=k, mode=mode, doc_ids=doc_ids)
        hits = within(self.settings.request_timeout, search, query)
        return search_to_dict(query, hits)

    def ranked(self, query: str, k: int = 10) -> dict:
        """Every retriever's own ranking of the passages for a query."""
        from rag.jsonview import hit_to_dict

        k = check_k(k, 10)
        query = check_question(query, self.settings) if isinstance(query, str) and query.strip() else ""
        lists = within(self.settings.request_timeout, self.pipeline.ranked_lists, query, k=k) if query else {}
        return {
            "query": query,
            "lists": {name: [hit_to_dict(h) for h in hits] for name, hits in lists.items()},
        }

    def documents(self) -> list[dict]:
        """The indexed documents: id, title, source, date, chunks, uploaded, kind, size, pages, chars,
        added, author."""
        return [asdict(e) for e in self.library.entries()]

    # ----- chat -----
    def messages(self, turns: Sequence[tuple[str, Answer]], lang: str) -> list[dict]:
        out: list[dict] = []
        for question, answer in turns:
            out.append({"role": "user", "content": answers.user_markdown(question)})
            out.append({"role": "assistant", "content": answers.answer_markdown(answer, lang)})
        return out

    def sources(self, answer: Answer | None, lang: str, show_scores: bool) -> str:
        return answers.sources_html(
            answer, self.pipeline.snapshot.documents if answer else {}, lang, show_scores
        )

    def chat(
        self,
        question: str,
        turns: list | None,
        mode: str,
        k: float,
        answerer: str,
        show_scores: bool,
        lang: str,
        filters: Sequence = (),
    ) -> Iterator[ChatUpdate]:
        """Streams the page's changes while answering: the question box is cleared at once, the answer
        grows in the chat (sentence by sentence, or token by token from an LLM), and the document view
        is cleared when the new sources arrive. `filters`: (docs, source, after, before) settings."""
        question = (question or "").strip()
        turns = list(turns or [])
        if not question:
            yield ChatUpdate()
            return
        shown = self.messages(turns, lang)
        shown.append({"role": "user", "content": answers.user_markdown(question)})
        shown.append({"role": "assistant", "content": esc(t(lang, "thinking"))})
        yield ChatUpdate(messages=shown, question="")
        history = [(q, a.text) for q, a in turns]
        final, partial = None, ""
        try:
            question = check_question(question, self.settings)
            doc_ids = self.filter_ids(*filters) if filters else None
            pipe = self.pipeline.configure()  # one snapshot for the whole answer
            chosen = self.answerer(pipe, answerer)
            ask = functools.partial(pipe.ask_stream, mode=mode, k=int(k), answerer=chosen, doc_ids=doc_ids)
            stream = functools.partial(ask, question, history)
            for item in stream_within(self.settings.request_timeout, stream):
                if isinstance(item, Answer):
                    final = item
                    continue
                for piece in paced(item):
                    partial += piece
                    content = answers.partial_markdown(question, partial, lang)
                    shown = [*shown[:-1], {"role": "assistant", "content": content}]
                    yield ChatUpdate(messages=shown)
        except Exception as exc:  # shown in the chat (a sentence, no server details): the page stays usable
            shown = [*shown[:-1], {"role": "assistant", "content": esc(as_page_error(exc).message(lang))}]
            yield ChatUpdate(messages=shown)
            return
        if final is None:
            return
        turns.append((question, final))
        panel = answers.sources_html(final, pipe.snapshot.documents, lang, show_scores)
        empty_view = answers.document_html(None, None, lang)
        yield ChatUpdate(self.messages(turns, lang), turns, final, panel, doc_view=empty_view)

    def select_turn(self, turns: list | None, index: Any, lang: str, show_scores: bool) -> tuple:
        """Clicking an earlier message shows that answer's sources."""
        turns = list(turns or [])
        i = index[0] if isinstance(index, (list, tuple)) else index
        if not isinstance(i, int) or not turns:
            return None, self.sources(None, lang, show_scores)
        answer = turns[min(i // 2, len(turns) - 1)][1]
        return answer, self.sources(answer, lang, show_scores)

    def open_document(self, doc_id: str, start: Any, end: Any, lang: str) -> str:
        """The whole document with the span start..end (offsets into its text) highlighted."""
        try:
            doc = self.pipeline.document(doc_id)
        except KeyError:  # removed since the answer was given
            return answers.document_html(None, None, lang)
        try:
            span = (int(start), int(end))
        except (TypeError, ValueError):
            span = None
        return answers.document_html(doc, span, lang)

    # ----- retrieval-test tab -----
    def ranked_html(self, query: str, k: float, lang: str) -> str:
        query = (query or "").strip()
        try:
            if not query:
                return ranked_lists_html({}, lang)
            query = check_question(query, self.settings)
            lists = within(self.settings.request_timeout, self.pipeline.ranked_lists, query, k=int(k))
        except Exception as exc:
            return f"<p>{esc(as_page_error(exc).message(lang))}</p>"
        return ranked_lists_html(lists, lang)

    def report(self, lang: str) -> str:
        """The evaluation report (tables and plot) in the page's language, as HTML."""
        return report_html(self.reports, lang)
