"""What the page and its API accept, and what they say when they refuse: every refusal is a PageError
with a stable code and a short sentence in the page's language (rag/web/strings: `err_<code>`), never a
Python exception or a server path. The limits are settings (max_question_chars, max_history_turns,
max_upload_mb, max_upload_files, request_timeout). No gradio at import."""

from __future__ import annotations

import functools
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TypeVar

from rag.config import Settings
from rag.web.i18n import t

MODES = ("hybrid", "dense", "bm25", "bigram")
API_LANG = "en"  # API errors are read by programs and their authors
T = TypeVar("T")


class PageError(ValueError):
    """A refused request: `code` is stable (programs may test it), message(lang) says why."""

    def __init__(self, code: str, **values: Any) -> None:
        self.code, self.values = code, values
        super().__init__(f"[{code}] {self.message(API_LANG)}")

    def message(self, lang: str) -> str:
        return t(lang, f"err_{self.code}", **self.values)


def as_page_error(exc: BaseException) -> PageError:
    """Any exception as what a visitor may see: a PageError stays; anything else is logged on the
    server (with its traceback) and shown as the `internal` error, without its details."""
    if isinstance(exc, PageError):
        return exc
    traceback.print_exception(exc, file=sys.stderr)
    return PageError("internal")


# ----- inputs -----
def check_question(question: Any, settings: Settings) -> str:
    if not isinstance(question, str) or not question.strip():
        raise PageError("question_empty")
    text = question.strip()
    if len(text) > settings.max_question_chars:
        raise PageError("question_too_long", length=len(text), limit=settings.max_question_chars)
    return text


def check_history(history: Any, settings: Settings) -> list[tuple[str, str]]:
    """[[question, answer], ...] as pairs of strings; anything else is refused, not unpacked."""
    if history is None:
        return []
    if not isinstance(history, list | tuple) or not all(
        isinstance(turn, list | tuple) and len(turn) == 2 and all(isinstance(x, str) for x in turn)
        for turn in history
    ):
        raise PageError("history_malformed")
    if len(history) > settings.max_history_turns:
        raise PageError("history_too_long", turns=len(history), limit=settings.max_history_turns)
    return [(q[: settings.max_question_chars], a) for q, a in history]


def check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise PageError("bad_mode", mode=str(mode)[:20], modes=", ".join(MODES))
    return mode


def check_k(k: Any, default: int | None, most: int = 50) -> int | None:
    if k in (None, "", 0) and default is None:
        return None
    try:
        value = int(k) if k not in (None, "") else int(default or 0)
    except (TypeError, ValueError):
        raise PageError("bad_k", most=most) from None
    if not 1 <= value <= most:
        raise PageError("bad_k", most=most)
    return value


def check_uploads(files: list[str], settings: Settings) -> None:
    if len(files) > settings.max_upload_files:
        raise PageError("too_many_files", count=len(files), limit=settings.max_upload_files)


def too_large(path: Path | str, settings: Settings) -> PageError | None:
    size = Path(path).stat().st_size
    if size > settings.max_upload_mb * 1024 * 1024:
        mb = f"{size / 1024 / 1024:.1f}"
        return PageError("file_too_large", name=Path(path).name, size=mb, limit=settings.max_upload_mb)
    return None


# ----- time -----
# Work that runs past the timeout is abandoned, not killed (Python cannot stop a thread): the caller is
# answered at once, and the question limit keeps the abandoned work short.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="rag-request")


def within(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs), or PageError("timeout") when it takes longer than `seconds`."""
    future = _POOL.submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        raise PageError("timeout", seconds=f"{seconds:g}") from None


def stream_within(seconds: float, items: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of a stream, or PageError("timeout") when the whole stream takes longer than `seconds`."""
    box: queue.Queue = queue.Queue()
    done = object()

    def run() -> None:
        try:
            for item in items():
                box.put((True, item))
            box.put((True, done))
        except BaseException as exc:  # handed to the reader, who raises it
            box.put((False, exc))

    threading.Thread(target=run, daemon=True, name="rag-stream").start()
    deadline = time.monotonic() + seconds
    while True:
        try:
            ok, item = box.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise PageError("timeout", seconds=f"{seconds:g}") from None
        if not ok:
            raise item
        if item is done:
            return
        yield item


def api_endpoint(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` for a named API endpoint: any error reaches the caller as gradio's Error with the code and
    sentence (English), never as a Python exception's text."""

    @functools.wraps(fn)
    def endpoint(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            import gradio as gr

            error = as_page_error(exc)
            raise gr.Error(str(error), title=error.code) from None

    return endpoint
