"""What the page's events do, as plain methods over the shared pipeline: testable without a browser,
and the same methods serve the named API endpoints (/ask, /search, /ranked, /documents).

It translates between the page and rag.Pipeline (ask, search) and rag.web.library (uploads, removals);
the HTML and text come from the view modules (answers, ranked, library_view). No gradio here: a chat
step says which parts of the page it changes (ChatUpdate), and the chat tab maps them to its components.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, NamedTuple

from rag.config import Settings
from rag.types import Answer, Skipped
from rag.web import answers
from rag.web.conversations import ConversationStore, store_beside
from rag.web.i18n import llm_note, t
from rag.web.library import Library, UploadError
from rag.web.library_view import DocumentsView, bullet_list, documents_view, removal_message, upload_messages
from rag.web.limits import (
    PageError,
    as_page_error,
    check_history,
    check_k,
    check_mode,
    check_question,
    check_uploads,
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


class ChatPage:
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
        return self.settings.answerer if self.llm_available() else "extractive"

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
    ) -> dict:
        """Answer a question (with the previous turns as [question, answer] pairs); returns the answer
        with its citations (doc_id, quote, start, end) and the passages it drew on. mode: hybrid, dense,
        bm25 or bigram; k: passages to draw on; answerer: extractive, llm, or empty for the configured one."""
        from rag.jsonview import answer_to_dict

        st = self.settings
        question, pairs = check_question(question, st), check_history(history, st)
        mode, k = check_mode(mode), check_k(k, None)
        pipe = self.pipeline.configure()  # this question sees one snapshot even if an update lands
        chosen = self.answerer(pipe, answerer)
        answer = within(st.request_timeout, pipe.ask, question, pairs, mode=mode, k=k, answerer=chosen)
        return answer_to_dict(answer)

    def answerer(self, pipe, name: str | None):
        """The named answerer; "llm" without a configured endpoint is refused with what to set."""
        name = name or self.default_answerer()
        if name == "llm" and not self.llm_available():
            raise PageError("llm_unavailable")
        return pipe.answerer(name)

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Ranked passages for a query (mode: hybrid, dense, bm25 or bigram)."""
        from rag.jsonview import search_to_dict

        query, mode, k = check_question(query, self.settings), check_mode(mode), check_k(k, 5)
        hits = within(self.settings.request_timeout, self.pipeline.search, query, k=k, mode=mode)
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
        """The indexed documents: id, title, source, date, chunks, uploaded."""
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
    ) -> Iterator[ChatUpdate]:
        """Streams the page's changes while answering: the question box is cleared at once, the answer
        grows in the chat (sentence by sentence, or token by token from an LLM), and the document view
        is cleared when the new sources arrive."""
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
            pipe = self.pipeline.configure()  # one snapshot for the whole answer
            chosen = self.answerer(pipe, answerer)
            ask = pipe.ask_stream
            stream = functools.partial(ask, question, history, mode=mode, k=int(k), answerer=chosen)
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

    # ----- documents tab -----
    def docs_view(self, lang: str) -> DocumentsView:
        view = documents_view(self.library.entries(), lang)
        if not self.skipped:
            return view
        lines = [f"{s.doc_id or Path(s.path).name}: {s.reason}" for s in self.skipped]
        return replace(view, count=f"{view.count}\n\n{t(lang, 'skipped_files')}\n{bullet_list(lines)}")

    def upload(self, files: Sequence[str] | None, lang: str, progress=None) -> list[str]:
        """Save each file into the uploads folder under a name no other document has, and index it.
        Returns the messages about each file."""
        files = [f for f in (files or []) if f]
        if not files:
            return [t(lang, "nothing_uploaded")]
        try:
            check_uploads(files, self.settings)
        except PageError as exc:
            return [exc.message(lang)]
        messages = []
        for i, f in enumerate(files):
            if progress is not None:
                progress(i / len(files), desc=t(lang, "indexing", name=Path(f).name))
            try:
                outcome = self.library.add(f)
            except UploadError as exc:
                outcome = exc
            except PageError as exc:  # too large: refused before reading
                messages.append(exc.message(lang))
                continue
            messages += upload_messages(outcome, lang)
        if progress is not None:
            progress(1.0)
        return messages

    def remove(self, doc_id: str | None, lang: str) -> str:
        """Remove a document from the index; an uploaded file moves to uploads/.removed/ (never deleted)."""
        if not doc_id:
            return t(lang, "remove_none")
        try:
            return removal_message(self.library.remove(doc_id), lang)
        except KeyError:
            return t(lang, "remove_unknown", id=doc_id)

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
