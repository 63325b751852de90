"""The page up before the model: the server starts once the index is read, and a background thread
loads the embedding model (and jieba's tables) meanwhile. A question asked before it is done shows
"loading the model…" in the chat and waits for it (not inside the answer's time limit)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

from rag.web import answers
from rag.web.i18n import t
from rag.web.markup import esc
from rag.web.page import ChatPage, ChatUpdate


def load_in_background(pipeline, ready: threading.Event | None = None) -> threading.Event:
    """Start loading what the first answer needs; the event (`ready`, or a new one) is set when it is
    done (or failed: the question then meets the error itself, in the chat)."""
    from rag.answer.choose import span_reader
    from rag.warmup import load_whole_tokenizers, warm_words

    ready = ready or threading.Event()

    def run() -> None:
        started = time.perf_counter()
        try:
            pipeline.embedder  # noqa: B018 - loads and keeps the model
            warm_words()
            span_reader(pipeline.settings)  # the short-answer reader (built on the very first run)
            print(f"model loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001 - the first question reports it in its own words
            print(f"error: the embedding model could not be loaded: {exc}", file=sys.stderr, flush=True)
        finally:
            ready.set()
        # questions go through small tokenizers until the whole ones are loaded: a long-lived page
        # loads them now, after the first question can be answered
        try:
            load_whole_tokenizers(pipeline)
        except Exception:  # noqa: BLE001 - reported above; questions use the small tokenizers meanwhile
            pass

    threading.Thread(target=run, name="rag-model", daemon=True).start()
    return ready


class StartingPage(ChatPage):
    """A ChatPage whose model may still be loading."""

    def __init__(self, *args, ready: threading.Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ready = ready

    def chat(self, question, turns, mode, k, answerer, show_scores, lang) -> Iterator[ChatUpdate]:
        if not self.ready.is_set() and (question or "").strip():
            shown = self.messages(list(turns or []), lang)
            shown.append({"role": "user", "content": answers.user_markdown(question.strip())})
            shown.append({"role": "assistant", "content": esc(t(lang, "loading_model"))})
            yield ChatUpdate(messages=shown, question="")
            self.ready.wait()
        yield from super().chat(question, turns, mode, k, answerer, show_scores, lang)
