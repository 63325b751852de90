"""Document -> [Chunk]: sentence-packed windows with overlap, offsets into `doc.text` kept.

Units are the sentences of `split_sentences`, with any sentence longer than `max_chars` cut into
pieces (after ，、：; where possible). A chunk takes units while it stays within `max_chars` and stops
once it reaches `target`; the next chunk repeats the last `overlap` units of the previous one but
always adds at least one new unit. `chunk.text == doc.text[chunk.start:chunk.end]`.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from rag.types import Chunk, Document
from rag.zh.text import fold_with_map, split_sentences

_SOFT_BREAKS = "，、：；,:;"


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    """sha1 hex of (doc_id, text, occurrence): stable across rebuilds, unique within a document."""
    payload = f"{doc_id}\x00{text}\x00{occurrence}".encode()
    return hashlib.sha1(payload).hexdigest()


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut the span [start, end) of `text` into pieces of at most max_chars, preferring soft breaks."""
    out: list[tuple[int, int]] = []
    a = start
    while end - a > max_chars:
        limit = a + max_chars
        cut = limit
        # The last soft break in the window, unless it would leave a tiny piece.
        for k in range(limit - 1, a + max_chars // 3, -1):
            if text[k] in _SOFT_BREAKS:
                cut = k + 1
                break
        b = cut
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append((a, b))
        a = cut
        while a < end and text[a].isspace():
            a += 1
    if a < end:
        out.append((a, end))
    return out


def sentence_units(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans of `text`, with sentences longer than max_chars cut into pieces."""
    units: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        units.extend(_pieces(text, s, e, max_chars) if e - s > max_chars else [(s, e)])
    return units


def content_prefix(text: str) -> list[int]:
    """prefix[i] = characters of text[:i] that survive folding. Sizes are measured on this, so the pinyin
    artefacts of converted Traditional pages (監(jiān)) do not halve how much real text a chunk holds."""
    _, index_map = fold_with_map(text)
    kept = bytearray(len(text))
    for i in index_map:
        kept[i] = 1
    prefix = [0] * (len(text) + 1)
    for i, k in enumerate(kept):
        prefix[i + 1] = prefix[i] + k
    return prefix


def chunk_document(doc: Document, target: int = 250, max_chars: int = 300, overlap: int = 1) -> list[Chunk]:
    if target <= 0 or max_chars <= 0 or overlap < 0:
        raise ValueError(
            f"chunking needs target > 0, max_chars > 0, overlap >= 0 (got {target}, {max_chars}, {overlap})"
        )
    units = sentence_units(doc.text, max_chars)
    prefix = content_prefix(doc.text)

    def size(a: int, b: int) -> int:  # content characters from the start of unit a to the end of unit b
        return prefix[units[b][1]] - prefix[units[a][0]]

    windows: list[tuple[int, int]] = []  # [i, j) ranges of units
    n = len(units)
    i, must = 0, 1  # a window starts at unit i and reaches at least unit must - 1
    while i < n:
        j = max(i + 1, must)
        while j < n and size(i, j - 1) < target and size(i, j) <= max_chars:
            j += 1
        windows.append((i, j))
        if j >= n:
            break
        # Repeat the last `overlap` units, but always move forward and always fit the next unit.
        nxt = max(j - overlap, i + 1)
        while nxt < j and size(nxt, j) > max_chars:
            nxt += 1
        i, must = nxt, j + 1
    seen: Counter[str] = Counter()
    chunks: list[Chunk] = []
    for i, j in windows:
        start, end = units[i][0], units[j - 1][1]
        text = doc.text[start:end]
        chunks.append(
            Chunk(id=chunk_id(doc.id, text, seen[text]), doc_id=doc.id, text=text, start=start, end=end)
        )
        seen[text] += 1
    return chunks
