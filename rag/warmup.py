"""A cold process's way to its first answer: what loads, in which order, in parallel where it can,
and a line on stderr for each part that takes time (stdout stays for answers and JSON).

Measured cold `rag ask` (docs/scale.md, eval/bench_cold.py): the embedding model (importing torch
and sentence-transformers, then its weights) is most of it; the index (chunk table, memory-mapped
BM25, FAISS) and jieba's dictionary are the rest. The model loads in a background thread while this
thread reads the index and jieba; the first dense search waits for it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.pipeline import Pipeline


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Warmup:
    """Parts loaded and their seconds; `thread` loads the model in the background."""

    started: float = field(default_factory=time.perf_counter)
    parts: dict[str, float] = field(default_factory=dict)
    thread: threading.Thread | None = None
    error: BaseException | None = None

    def timed(self, name: str, fn: Callable[[], object]) -> object:
        t = time.perf_counter()
        try:
            return fn()
        finally:
            self.parts[name] = time.perf_counter() - t

    def background(self, name: str, fn: Callable[[], object]) -> None:
        def run() -> None:
            try:
                self.timed(name, fn)
            except BaseException as exc:  # noqa: BLE001 - reported by wait(), in the caller's thread
                self.error = exc

        self.thread = threading.Thread(target=run, name=f"rag-{name}", daemon=True)
        self.thread.start()

    def wait(self, log: Callable[[str], None] | None = say) -> None:
        """Until the background part is done; its error, if any, is raised here."""
        if self.thread is not None and self.thread.is_alive():
            if log:
                log("loading the embedding model …")
            self.thread.join()
        if self.error is not None:
            raise self.error

    def summary(self) -> str:
        parts = ", ".join(f"{name} {s:.1f} s" for name, s in self.parts.items())
        return f"ready in {time.perf_counter() - self.started:.1f} s ({parts})"


def warm_words() -> None:
    """jieba's dictionary and part-of-speech table: every question is cut and tagged."""
    from rag.zh.words import posseg, tokenizer

    tokenizer()
    posseg()


def load_whole_tokenizers(pipeline: Pipeline) -> None:
    """The embedder's and the span reader's whole tokenizers (about 1 s each, holding Python's lock):
    until then each question and each read builds a small one from its pieces (rag.index.query_tokenizer),
    a few ms each. A long-lived process (the chat page) loads them once it can answer."""
    from rag.answer.choose import span_reader

    for part in (pipeline.embedder, span_reader(pipeline.settings)):
        full = getattr(part, "load_full_tokenizer", None)
        if full is not None:
            full()


def open_for_queries(
    index_dir: Path | str,
    settings: Settings,
    needs_model: bool = True,
    log: Callable[[str], None] | None = say,
) -> tuple[Pipeline, Warmup]:
    """Load the index (IndexError as Pipeline.load) and jieba here and, when `needs_model`, the
    embedding model in a background thread. Call warmup.wait() (or just
    query: Models.load waits on the same lock) before timing anything."""
    from rag.pipeline import Pipeline

    warm = Warmup()
    pipeline = Pipeline(Path(index_dir), settings, None)
    if needs_model:  # first: it is the longest part
        warm.background("model", lambda: pipeline.embedder)
    if log:
        log(f"loading the index {index_dir} …")
    # what Pipeline.load does; here after the model's thread has started
    pipeline._snapshot = warm.timed("index", lambda: pipeline.store.load(settings.embedder))
    warm.timed("jieba", warm_words)
    return pipeline, warm
