"""What a long-lived process loads once it can answer."""

from __future__ import annotations

from types import SimpleNamespace

import rag.answer.choose as choose
from rag.warmup import load_whole_tokenizers


class Loads:
    def __init__(self) -> None:
        self.loaded = 0

    def load_full_tokenizer(self) -> None:
        self.loaded += 1


def test_the_embedder_s_and_the_span_reader_s_whole_tokenizers_are_loaded(monkeypatch) -> None:
    embedder, reader = Loads(), Loads()
    monkeypatch.setattr(choose, "span_reader", lambda settings: reader)
    load_whole_tokenizers(SimpleNamespace(embedder=embedder, settings=None))
    assert (embedder.loaded, reader.loaded) == (1, 1)


def test_without_a_span_reader_or_a_tokenizer_to_load_the_rest_still_loads(monkeypatch) -> None:
    embedder, reader = Loads(), Loads()
    monkeypatch.setattr(choose, "span_reader", lambda settings: None)  # span_reader = false
    load_whole_tokenizers(SimpleNamespace(embedder=embedder, settings=None))
    assert embedder.loaded == 1
    monkeypatch.setattr(choose, "span_reader", lambda settings: reader)
    load_whole_tokenizers(SimpleNamespace(embedder=object(), settings=None))  # e.g. the torch embedder
    assert reader.loaded == 1
