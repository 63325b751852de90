"""The chat page: a Gradio app over one shared rag.Pipeline.

    python ui.py [--index index] [--corpus seeds] [--uploads uploads] [--host 127.0.0.1] [--port 7860]

Thin on purpose: it builds the page and translates between it and rag.Pipeline (ask, search) and
rag.web.library (opening the index, uploads, removals); all HTML and text is built, escaped, by rag.web.views.
Named API endpoints (/ask, /search, /ranked, /documents) give the same answers as data to `gradio_client`.
"""

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.config import Settings, load_settings
from rag.types import Answer
from rag.web import views as webview
from rag.web.library import Library, UploadError, prepare_pipeline, supported_suffixes
from rag.web.views import t

DEFAULT_INDEX = "index"
DEFAULT_UPLOADS = "uploads"
DEFAULT_REPORTS = "eval/reports/latest"
EXAMPLES = ("王增田受到了什么处分？", "資源縣委書記是誰？", "西宁市纪委监委开展了多少次监督检查？")

# Citation links in the chat jump to their card in the sources panel (delegated: messages re-render).
HEAD = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="#src-"]');
  if (!link) return;
  event.preventDefault();
  var id = link.getAttribute("href").slice(1);
  var go = function () {
    var card = document.getElementById(id);
    if (!card) return;
    card.scrollIntoView({block: "nearest"});
    card.focus({preventScroll: true});
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1500);
  };
  go();
  setTimeout(go, 700);  // clicking an older answer re-renders the panel with its sources first
}, true);
</script>
"""

# The sources panel tells Python which passage to open; the document view scrolls to its <mark>.
SOURCES_JS = """
element.addEventListener("click", function (event) {
  var button = event.target.closest("button.open-doc");
  if (!button) return;
  trigger("click", {doc_id: button.dataset.doc, start: Number(button.dataset.start),
                    end: Number(button.dataset.end)});
});
"""
DOC_VIEW_JS = """
watch("value", function () {
  var mark = element.querySelector("#doc-mark");
  if (!mark) return;
  var box = element.querySelector(".doc-text");
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);  // inside the document box
  mark.setAttribute("tabindex", "-1");
  mark.scrollIntoView({block: "nearest"});  // and the page, only as far as needed
  mark.focus({preventScroll: true});
});
"""

PAGE_CSS = """
.gradio-container { max-width: 1400px !important; }
*:focus-visible { outline: 3px solid #2563eb !important; outline-offset: 2px; }
#header { min-width: min(320px, 100%) !important; }
#lang-switch { align-self: center; }
#chat-col, #side-col { min-width: min(320px, 100%) !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  #chat .message-wrap { font-size: 15px; }
}
"""


class ChatPage:
    """What the page's events do, as plain methods over the shared pipeline (testable without a browser)."""

    def __init__(self, pipeline, uploads_dir: Path | str, reports_dir: Path | str = DEFAULT_REPORTS) -> None:
        self.pipeline = pipeline
        self.library = Library(pipeline, uploads_dir)
        self.uploads = self.library.uploads
        self.reports = Path(reports_dir)

    # ----- settings -----
    @property
    def settings(self) -> Settings:
        return self.pipeline.settings

    def llm_available(self) -> bool:
        return bool(self.settings.llm_base_url and self.settings.llm_model)

    def default_answerer(self) -> str:
        return self.settings.answerer if self.llm_available() else "extractive"

    def llm_note(self, lang: str) -> str:
        return webview.llm_note(self.settings.llm_model, self.settings.llm_base_url, lang)

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

        pairs = [(str(q), str(a)) for q, a in (history or [])]
        pipe = self.pipeline.configure()  # this question sees one snapshot even if an update lands
        answer = pipe.ask(
            question, pairs, mode=mode, k=int(k) if k else None, answerer=self.answerer(pipe, answerer)
        )
        return answer_to_dict(answer)

    def answerer(self, pipe, name: str | None):
        """The named answerer; "llm" without a configured endpoint is refused with what to set."""
        name = name or self.default_answerer()
        if name == "llm" and not self.llm_available():
            raise ValueError("answerer 'llm' needs llm_base_url and llm_model (rag.toml or RAG_LLM_* env)")
        return pipe.answerer(name)

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Ranked passages for a query (mode: hybrid, dense, bm25 or bigram)."""
        from rag.jsonview import search_to_dict

        return search_to_dict(query, self.pipeline.search(query, k=int(k), mode=mode))

    def ranked(self, query: str, k: int = 10) -> dict:
        """Every retriever's own ranking of the passages for a query."""
        from rag.jsonview import hit_to_dict

        lists = self.pipeline.ranked_lists(query, k=int(k)) if query.strip() else {}
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
            out.append({"role": "user", "content": webview.user_markdown(question)})
            out.append({"role": "assistant", "content": webview.answer_markdown(answer, lang)})
        return out

    def sources(self, answer: Answer | None, lang: str, show_scores: bool) -> str:
        return webview.sources_html(
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
    ) -> Iterator[tuple]:
        """Streams (chat messages, turns, shown answer, sources panel, question box, document view)
        while answering; the document view is cleared when the new sources arrive."""
        import gradio as gr

        question = (question or "").strip()
        turns = list(turns or [])
        skip = gr.skip()
        if not question:
            yield skip, skip, skip, skip, skip, skip
            return
        shown = self.messages(turns, lang)
        shown.append({"role": "user", "content": webview.user_markdown(question)})
        shown.append({"role": "assistant", "content": webview.esc(t(lang, "thinking"))})
        yield shown, skip, skip, skip, "", skip
        history = [(q, a.text) for q, a in turns]
        final, partial = None, ""
        try:
            pipe = self.pipeline.configure()  # one snapshot for the whole answer
            chosen = self.answerer(pipe, answerer)
            for item in pipe.ask_stream(question, history, mode=mode, k=int(k), answerer=chosen):
                if isinstance(item, Answer):
                    final = item
                else:
                    partial += item
                    shown = [*shown[:-1], {"role": "assistant", "content": webview.md_text(partial)}]
                    yield shown, skip, skip, skip, skip, skip
        except Exception as exc:  # shown in the chat: the page stays usable
            shown = [*shown[:-1], {"role": "assistant", "content": webview.esc(t(lang, "error", error=exc))}]
            yield shown, skip, skip, skip, skip, skip
            return
        if final is None:
            return
        turns.append((question, final))
        panel = webview.sources_html(final, pipe.snapshot.documents, lang, show_scores)
        yield self.messages(turns, lang), turns, final, panel, skip, webview.document_html(None, None, lang)

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
            return webview.document_html(None, None, lang)
        try:
            span = (int(start), int(end))
        except (TypeError, ValueError):
            span = None
        return webview.document_html(doc, span, lang)

    # ----- documents tab -----
    def docs_view(self, lang: str) -> webview.DocumentsView:
        return webview.documents_view(self.library.entries(), lang)

    def upload(self, files: Sequence[str] | None, lang: str, progress=None) -> list[str]:
        """Save each file into the uploads folder under a name no other document has, and index it.
        Returns the messages about each file."""
        files = [f for f in (files or []) if f]
        if not files:
            return [t(lang, "nothing_uploaded")]
        messages = []
        for i, f in enumerate(files):
            if progress is not None:
                progress(i / len(files), desc=t(lang, "indexing", name=Path(f).name))
            try:
                outcome = self.library.add(f)
            except UploadError as exc:
                outcome = exc
            messages += webview.upload_messages(outcome, lang)
        if progress is not None:
            progress(1.0)
        return messages

    def remove(self, doc_id: str | None, lang: str) -> str:
        """Remove a document from the index; an uploaded file moves to uploads/.removed/ (never deleted)."""
        if not doc_id:
            return t(lang, "remove_none")
        try:
            return webview.removal_message(self.library.remove(doc_id), lang)
        except KeyError:
            return t(lang, "remove_unknown", id=doc_id)

    # ----- retrieval-test tab -----
    def ranked_html(self, query: str, k: float, lang: str) -> str:
        query = (query or "").strip()
        lists = self.pipeline.ranked_lists(query, k=int(k)) if query else {}
        return webview.ranked_lists_html(lists, lang)

    def report(self, lang: str) -> tuple[str, str | None]:
        md, png = self.reports / "report.md", self.reports / "recall.png"
        text = md.read_text(encoding="utf-8") if md.is_file() else t(lang, "report_missing", path=md)
        return text, (str(png) if png.is_file() else None)


def build_app(
    pipeline, uploads_dir: Path | str = DEFAULT_UPLOADS, reports_dir: Path | str = DEFAULT_REPORTS
) -> Any:
    """The page (a gr.Blocks) over `pipeline`. Start it with launch(app, ...)."""
    import gradio as gr

    page = ChatPage(pipeline, uploads_dir, reports_dir)
    zh = "zh"
    suffixes = " ".join(supported_suffixes())

    with gr.Blocks(title=t(zh, "title"), analytics_enabled=False) as app:
        lang = gr.State(zh)
        turns = gr.State([])
        shown = gr.State(None)  # the Answer whose sources the panel shows
        with gr.Row(equal_height=True):
            header = gr.Markdown(webview.header_markdown(zh), elem_id="header")
            lang_switch = gr.Radio(
                [("中文", "zh"), ("English", "en")],
                value=zh,
                label=t(zh, "language"),
                elem_id="lang-switch",
                scale=0,
                min_width=220,
                container=False,
            )
        with gr.Tabs():
            with gr.Tab(t(zh, "tab_chat"), id="chat-tab") as tab_chat:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, elem_id="chat-col"):
                        chatbot = gr.Chatbot(
                            label=t(zh, "chat_label"),
                            elem_id="chat",
                            height=520,
                            placeholder=t(zh, "chat_placeholder"),
                            examples=[{"text": q} for q in EXAMPLES],
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=["copy"],
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label=t(zh, "question_label"),
                                placeholder=t(zh, "question_placeholder"),
                                lines=1,
                                max_lines=4,
                                scale=5,
                                elem_id="question",
                                autofocus=True,
                            )
                            send = gr.Button(
                                t(zh, "send"), variant="primary", scale=1, min_width=80, elem_id="send"
                            )
                        new_chat = gr.Button(t(zh, "new_chat"), size="sm", variant="secondary")
                        with gr.Accordion(t(zh, "settings"), open=False) as settings_box:
                            mode = gr.Radio(webview.mode_choices(zh), value="hybrid", label=t(zh, "mode"))
                            passages = gr.Slider(
                                1,
                                10,
                                value=pipeline.settings.answer_passages,
                                step=1,
                                label=t(zh, "passages"),
                            )
                            answerer = gr.Radio(
                                webview.answerer_choices(zh),
                                value=page.default_answerer(),
                                label=t(zh, "answerer"),
                                interactive=page.llm_available(),
                            )
                            llm_note = gr.Markdown(page.llm_note(zh))
                            show_scores = gr.Checkbox(False, label=t(zh, "show_scores"))
                    with gr.Column(scale=2, elem_id="side-col"):
                        sources = gr.HTML(
                            webview.sources_html(None, {}, zh),
                            js_on_load=SOURCES_JS,
                            elem_id="sources",
                            max_height=700,
                        )
                        doc_view = gr.HTML(
                            webview.document_html(None, None, zh), js_on_load=DOC_VIEW_JS, elem_id="doc-view"
                        )
            with gr.Tab(t(zh, "tab_docs"), id="docs-tab") as tab_docs:
                docs_intro = gr.Markdown(
                    t(zh, "docs_intro", uploads=page.uploads, removed=page.library.removed_dir)
                )
                upload_box = gr.File(
                    label=t(zh, "upload", suffixes=suffixes),
                    file_count="multiple",
                    file_types=list(supported_suffixes()),
                    elem_id="upload",
                )
                docs = page.docs_view(zh)
                docs_status = gr.Markdown(docs.count, elem_id="docs-status")
                with gr.Row(equal_height=True):
                    remove_pick = gr.Dropdown(
                        docs.choices, label=t(zh, "remove_pick"), value=None, scale=4, elem_id="remove-pick"
                    )
                    remove_btn = gr.Button(t(zh, "remove"), variant="stop", scale=1, elem_id="remove")
                    refresh_btn = gr.Button(t(zh, "refresh"), scale=1)
                docs_table = gr.Dataframe(
                    value=docs.rows, headers=docs.headers, interactive=False, wrap=True, elem_id="docs-table"
                )
            with gr.Tab(t(zh, "tab_retrieval"), id="retrieval-tab") as tab_retrieval:
                with gr.Row(equal_height=True):
                    query = gr.Textbox(
                        label=t(zh, "query_label"),
                        placeholder=t(zh, "query_placeholder"),
                        scale=5,
                        elem_id="query",
                    )
                    ranked_k = gr.Slider(1, 20, value=5, step=1, label=t(zh, "k_label"), scale=2)
                    search_btn = gr.Button(t(zh, "search"), variant="primary", scale=1, min_width=80)
                ranked = gr.HTML(webview.ranked_lists_html({}, zh), js_on_load=None, elem_id="ranked")
                report_title = gr.Markdown(f"### {t(zh, 'report')}")
                report_text, report_png = page.report(zh)
                report_md = gr.Markdown(report_text, elem_id="report")
                report_img = gr.Image(
                    report_png,
                    visible=report_png is not None,
                    show_label=False,
                    interactive=False,
                    elem_id="report-img",
                )

        # ----- chat events -----
        chat_io = dict(
            fn=page.chat,
            inputs=[question, turns, mode, passages, answerer, show_scores, lang],
            outputs=[chatbot, turns, shown, sources, question, doc_view],
            api_visibility="private",
            concurrency_limit=4,
            concurrency_id="chat",
        )
        question.submit(**chat_io)
        send.click(**chat_io)

        def on_example(evt: gr.SelectData):
            return (evt.value or {}).get("text", "") if isinstance(evt.value, dict) else str(evt.value)

        chatbot.example_select(on_example, None, question, api_visibility="private").then(**chat_io)

        def clear(lang_value: str):
            return (
                [],
                [],
                None,
                webview.sources_html(None, {}, lang_value),
                webview.document_html(None, None, lang_value),
            )

        new_chat.click(clear, [lang], [chatbot, turns, shown, sources, doc_view], api_visibility="private")
        chatbot.clear(clear, [lang], [chatbot, turns, shown, sources, doc_view], api_visibility="private")

        def on_select(turns_value, lang_value, scores, evt: gr.SelectData):
            return page.select_turn(turns_value, evt.index, lang_value, scores)

        chatbot.select(on_select, [turns, lang, show_scores], [shown, sources], api_visibility="private")

        def rerender_sources(answer, lang_value, scores):
            return page.sources(answer, lang_value, scores)

        show_scores.change(rerender_sources, [shown, lang, show_scores], sources, api_visibility="private")

        def on_open(lang_value, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            return page.open_document(
                str(data.get("doc_id", "")), data.get("start"), data.get("end"), lang_value
            )

        sources.click(on_open, [lang], doc_view, api_visibility="private")

        # ----- documents events -----
        def docs_outputs(lang_value: str, message: str = ""):
            docs = page.docs_view(lang_value)
            status = (message + "\n\n" if message else "") + docs.count
            return (
                status,
                gr.Dataframe(value=docs.rows, headers=docs.headers),
                gr.Dropdown(choices=docs.choices, value=None),
            )

        def on_upload(files, lang_value, progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a bar
            messages = page.upload(files, lang_value, progress)
            return (*docs_outputs(lang_value, webview.bullet_list(messages)), None)

        upload_box.upload(
            on_upload,
            [upload_box, lang],
            [docs_status, docs_table, remove_pick, upload_box],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="index-update",
        )

        def on_remove(doc_id, lang_value):
            return docs_outputs(lang_value, webview.md_text(page.remove(doc_id, lang_value)))

        remove_btn.click(
            on_remove,
            [remove_pick, lang],
            [docs_status, docs_table, remove_pick],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="index-update",
        )
        refresh_btn.click(
            docs_outputs, [lang], [docs_status, docs_table, remove_pick], api_visibility="private"
        )

        # ----- retrieval-test events -----
        for trigger in (query.submit, search_btn.click):
            trigger(page.ranked_html, [query, ranked_k, lang], ranked, api_visibility="private")

        # ----- language -----
        relabelled = [
            header, tab_chat, tab_docs, tab_retrieval, chatbot, question, send, new_chat, settings_box,
            mode, passages, answerer, llm_note, show_scores, sources, doc_view, docs_intro, upload_box,
            docs_status, remove_pick, remove_btn, refresh_btn, docs_table, query, ranked_k, search_btn,
            ranked, report_title, report_md, report_img, lang_switch, lang,
        ]  # fmt: skip

        def relabel(lang_value: str, turns_value, answer, scores):
            L = webview.lang_of(lang_value)
            docs = page.docs_view(L)
            text, png = page.report(L)
            return [
                gr.Markdown(webview.header_markdown(L)),
                gr.Tab(label=t(L, "tab_chat")),
                gr.Tab(label=t(L, "tab_docs")),
                gr.Tab(label=t(L, "tab_retrieval")),
                gr.Chatbot(
                    value=page.messages(turns_value or [], L),
                    label=t(L, "chat_label"),
                    placeholder=t(L, "chat_placeholder"),
                ),
                gr.Textbox(label=t(L, "question_label"), placeholder=t(L, "question_placeholder")),
                gr.Button(t(L, "send")),
                gr.Button(t(L, "new_chat")),
                gr.Accordion(label=t(L, "settings")),
                gr.Radio(choices=webview.mode_choices(L), label=t(L, "mode")),
                gr.Slider(label=t(L, "passages")),
                gr.Radio(choices=webview.answerer_choices(L), label=t(L, "answerer")),
                gr.Markdown(page.llm_note(L)),
                gr.Checkbox(label=t(L, "show_scores")),
                page.sources(answer, L, scores),
                webview.document_html(None, None, L),
                gr.Markdown(t(L, "docs_intro", uploads=page.uploads, removed=page.library.removed_dir)),
                gr.File(label=t(L, "upload", suffixes=suffixes)),
                gr.Markdown(docs.count),
                gr.Dropdown(label=t(L, "remove_pick")),
                gr.Button(t(L, "remove")),
                gr.Button(t(L, "refresh")),
                gr.Dataframe(value=docs.rows, headers=docs.headers),
                gr.Textbox(label=t(L, "query_label"), placeholder=t(L, "query_placeholder")),
                gr.Slider(label=t(L, "k_label")),
                gr.Button(t(L, "search")),
                webview.ranked_lists_html({}, L),
                gr.Markdown(f"### {t(L, 'report')}"),
                gr.Markdown(text),
                gr.Image(png, visible=png is not None),
                gr.Radio(value=L),
                L,
            ]

        lang_switch.input(
            relabel, [lang_switch, turns, shown, show_scores], relabelled, api_visibility="private"
        )

        def on_load(turns_value, answer, scores, request: gr.Request):
            wanted = (request.query_params.get("lang") if request else None) or "zh"
            updates = relabel(wanted, turns_value, answer, scores)
            if webview.lang_of(wanted) == zh:  # the page was built in Chinese: only refresh the data
                keep = {docs_status, docs_table, remove_pick, report_md, report_img}
                updates = [u if c in keep else gr.skip() for c, u in zip(relabelled, updates, strict=True)]
            return updates

        app.load(on_load, [turns, shown, show_scores], relabelled, api_visibility="private")

        # ----- data endpoints for gradio_client -----
        gr.api(page.ask, api_name="ask")
        gr.api(page.search, api_name="search")
        gr.api(page.ranked, api_name="ranked")
        gr.api(page.documents, api_name="documents")
    app.queue(default_concurrency_limit=2)
    return app


def theme():
    import gradio as gr

    font = [
        gr.themes.LocalFont("Source Sans Pro"),
        "Noto Sans CJK SC",
        "WenQuanYi Micro Hei",
        "PingFang SC",
        "Microsoft YaHei",
        "sans-serif",
    ]
    return gr.themes.Default(primary_hue="blue", font=font)


def launch(
    app,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    block: bool = True,
    quiet: bool = True,
) -> str:
    """Start the server (theme, styles and scripts belong to launch() in Gradio 6); returns the local URL.
    With block=False it returns at once and the server runs in a background thread (tests)."""
    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=True,
        quiet=quiet,
        show_error=True,
        theme=theme(),
        css=webview.CSS + PAGE_CSS,
        head=HEAD,
        footer_links=["api"],
        max_file_size="20mb",
    )
    url = app.local_url
    if block:
        print(f"chat page: {url}  (English: {url}?lang=en; API: {url}?view=api)", flush=True)
        app.block_thread()
    return url


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ui.py", description="The chat page over the indexed documents")
    p.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index)")
    p.add_argument(
        "--corpus",
        action="append",
        default=None,
        help="document folder to index (repeatable; default: the index's own folders, else seeds)",
    )
    p.add_argument(
        "--uploads", default=DEFAULT_UPLOADS, help="where uploaded files are saved (default: uploads)"
    )
    p.add_argument("--reports", default=DEFAULT_REPORTS, help="evaluation report folder shown in the page")
    p.add_argument("--config", default=None, help="settings file (default: ./rag.toml if present)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument(
        "--share", action="store_true", help="also open a public Gradio share link (off by default)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rag.index.store import IndexError as RagIndexError

    try:
        settings = load_settings(args.config)
        pipeline = prepare_pipeline(args.index, args.corpus, args.uploads, settings)
    except (RagIndexError, ValueError, FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = build_app(pipeline, args.uploads, args.reports)
    try:
        launch(app, args.host, args.port, share=args.share)
    except KeyboardInterrupt:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
