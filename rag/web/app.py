"""The chat page: a Gradio app over one shared rag.Pipeline.

    python ui.py [--index index] [--corpus seeds] [--uploads uploads] [--host 127.0.0.1] [--port 7860]
                 [--auth USER:PASSWORD | --auth users.txt | --no-auth]

Thin on purpose: it puts the header and the tabs together (each module builds its components and wires
its events to rag.web.page.ChatPage) and starts the server. Named API endpoints
(/ask, /search, /ranked, /documents) give the same answers as data to `gradio_client`.
"""

# no `from __future__ import annotations`: gradio reads handlers' annotations (gr.Request) at run time
import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from rag.config import load_settings
from rag.web.auth import AuthError, Users, page_users
from rag.web.i18n import DEFAULT_LANG, gradio_aria_labels, gradio_locales, gradio_translations, t
from rag.web.library import open_library
from rag.web.limits import api_endpoint
from rag.web.markup import static_text
from rag.web.page import DEFAULT_REPORTS, ChatPage

DEFAULT_INDEX = "index"
DEFAULT_UPLOADS = "uploads"


def build_app(
    pipeline,
    uploads_dir: Path | str = DEFAULT_UPLOADS,
    reports_dir: Path | str = DEFAULT_REPORTS,
    skipped=(),
    conversations: Path | str | None = None,
    ready=None,
) -> Any:
    """The page (a gr.Blocks) over `pipeline`. Start it with launch(app, ...). Conversations are kept in
    the SQLite file `conversations` (default: beside the index folder). `ready`: an event set when the
    model has loaded in the background (rag.web.startup); questions before it wait, saying so."""
    import gradio as gr

    from rag.web.cases_tab import build_cases_tab, wire_cases_tab
    from rag.web.chat_tab import build_chat_tab, wire_chat_tab
    from rag.web.conversation_panel import wire_panel
    from rag.web.docs_tab import build_docs_tab, wire_docs_tab
    from rag.web.language import build_header, wire_language
    from rag.web.retrieval_tab import build_retrieval_tab, wire_retrieval_tab
    from rag.web.session import new_session

    if ready is None:
        page = ChatPage(pipeline, uploads_dir, reports_dir, skipped, conversations)
    else:
        from rag.web.startup import StartingPage

        page = StartingPage(pipeline, uploads_dir, reports_dir, skipped, conversations, ready=ready)
    with gr.Blocks(title=t(DEFAULT_LANG, "title"), analytics_enabled=False) as app:
        session = new_session()
        header = build_header()
        with gr.Tabs():
            tabs = build_chat_tab(page), build_docs_tab(page), build_retrieval_tab(page)
            cases = build_cases_tab(page)
        chat, docs, retrieval = tabs
        loaded = wire_language(app, header, page, session, tabs)
        refresh = wire_panel(chat.history, chat, page, session, loaded)
        wire_chat_tab(chat, page, session, refresh)
        wire_docs_tab(docs, page, session)
        wire_retrieval_tab(retrieval, page, session)
        wire_cases_tab(cases, page, session, header.switch, app)

        # ----- data endpoints for gradio_client -----
        # errors reach callers as a code and a sentence (rag.web.limits), never a Python exception
        gr.api(api_endpoint(page.ask), api_name="ask")
        gr.api(api_endpoint(page.search), api_name="search")
        gr.api(api_endpoint(page.ranked), api_name="ranked")
        gr.api(api_endpoint(page.documents), api_name="documents")
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


def page_script() -> str:
    """page.js with the page's languages and Gradio's locale for each."""
    data = f"window.RAG_LOCALES = {json.dumps(gradio_locales())};\n"
    data += f"window.RAG_ARIA = {json.dumps(gradio_aria_labels(), ensure_ascii=False)};\n"
    return data + static_text("page.js")


def launch(
    app,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    block: bool = True,
    quiet: bool = True,
    auth: Users | None = None,
    max_upload_mb: int = 20,
) -> str:
    """Start the server (theme, styles and scripts belong to launch() in Gradio 6); returns the local URL.
    With block=False it returns at once and the server runs in a background thread (tests)."""
    import gradio as gr

    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=True,
        quiet=quiet,
        show_error=True,
        theme=theme(),
        css=static_text("cards.css") + static_text("page.css"),
        head=f"<script>{static_text('citations.js')}\n{page_script()}</script>",
        i18n=gr.I18n(**gradio_translations()),
        footer_links=["api"],
        max_file_size=f"{max_upload_mb}mb",  # Gradio refuses bigger files before they reach the page
        auth=auth,  # Gradio's sign-in: every page event and API call needs the session it gives
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
    p.add_argument("--auth", default=None, help="USER:PASSWORD, or a file of such lines: sign-in required")
    p.add_argument(
        "--no-auth", action="store_true", help="serve beyond this machine without sign-in, on purpose"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rag.index.store import IndexError as RagIndexError

    try:
        users = page_users(args.host, args.share, args.auth, args.no_auth)  # before minutes of indexing
        settings = load_settings(args.config)
        # the model loads in the background once the index is up to date: the page is served meanwhile
        pipeline, report = open_library(args.index, args.corpus, args.uploads, settings, load_model=False)
    except (AuthError, RagIndexError, ValueError, FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from rag.web.startup import load_in_background

    ready = threading.Event()
    app = build_app(pipeline, args.uploads, args.reports, report.skipped, ready=ready)
    # the model loads once gradio is imported and the page built: both hold Python's lock, and loading
    # alongside gradio's 5 s import put 1.5 s on the page's start
    load_in_background(pipeline, ready)
    try:
        launch(app, args.host, args.port, args.share, auth=users, max_upload_mb=settings.max_upload_mb)
    except KeyboardInterrupt:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
