"""How an answer streams into the chat: an LLM's tokens as they come, and an answer that arrives whole
(the extractive answerer writes it at once) sentence by sentence, so it grows in place as a reader
follows it instead of appearing in one block."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from rag.zh.sentences import split_sentences

SENTENCE_PAUSE = 0.15  # seconds between the sentences of a whole answer: a reading pace, not a delay


_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")  # citation markers belong to the sentence before them


def _after_markers(text: str, pos: int) -> int:
    m = _MARKERS.match(text, pos)
    return m.end() if m else pos


def pieces(text: str) -> list[str]:
    """`text` cut after each sentence; the pieces join back to `text` exactly."""
    cuts = sorted({_after_markers(text, end) for _, end in split_sentences(text) if 0 < end < len(text)})
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def paced(delta: str, pause: float = SENTENCE_PAUSE) -> Iterator[str]:
    """A streamed delta as it should be shown: a token or one sentence at once; several sentences one
    after the other, `pause` seconds apart."""
    parts = pieces(delta)
    for i, part in enumerate(parts):
        if i and pause > 0:
            time.sleep(pause)
        yield part
