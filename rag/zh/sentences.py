"""Sentences: split a text into sentence spans, and find the sentence around, before or after a
position (for quotes widened to whole sentences). Offsets index the text given."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.zh.lexicon import lexicon, lexicon_cached

QUOTE_REACH = 400  # characters searched for the end of a sentence before or after a position


@lexicon_cached
@lru_cache(maxsize=1)
def _marks() -> tuple[str, str]:
    return lexicon().text("text.sentence_ends"), lexicon().text("text.closers")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) into `text`, covering all its non-whitespace content.

    Splits after 。！？；!?; and …… (closing quotes and brackets stay with their sentence) and at
    line breaks; spans exclude surrounding whitespace.
    """
    ends, closers = _marks()
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    i = 0

    def emit(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))

    while i < n:
        ch = text[i]
        if ch in "\n\r\u2028\u2029":
            emit(start, i)
            i += 1
            start = i
            continue
        if ch in ends or (ch == "…" and i + 1 < n and text[i + 1] == "…"):
            j = i + 1
            while j < n and (text[j] in ends or text[j] == "…"):
                j += 1
            while j < n and text[j] in closers:
                j += 1
            emit(start, j)
            i = start = j
            continue
        i += 1
    emit(start, n)
    return spans


_LOST_CHAR_PINYIN = re.compile(r"[(a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]")


def quotable_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of `text` as they are quoted: pieces that `split_sentences` cuts at ；/; are
    joined again when they share a line (a sentence listing "…；…；…" is one answer, and a quote
    of one piece would leave out the rest); so are pieces cut at a "?" that stands for a character
    lost in conversion (日?qǐng)?bào)告)."""
    closers = _marks()[1]
    spans: list[list[int]] = []
    for s, e in split_sentences(text):
        if spans:
            prev = text[spans[-1][0] : spans[-1][1]].rstrip(closers)
            gap = text[spans[-1][1] : s]
            joined = prev.endswith(("；", ";")) and "\n" not in gap
            lost = prev.endswith("?") and not gap and _LOST_CHAR_PINYIN.match(text[s])
            if joined or lost:
                spans[-1][1] = e
                continue
        spans.append([s, e])
    return [(s, e) for s, e in spans]


@lexicon_cached
@lru_cache(maxsize=1)
def _full_stop() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a sentence's end inside a paragraph, one character that ends a sentence)"""
    stops = re.escape(lexicon().text("text.full_stops"))
    quotes = re.escape(lexicon().text("text.quote_closers"))
    return re.compile(f"[{stops}]+[{quotes}]*|\n"), re.compile(f"[{stops}{quotes}]")


def sentence_before(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence of the same paragraph that ends right before `pos`, or None."""
    end = pos
    while end > 0 and text[end - 1] in " \t\u3000":
        end -= 1
    if end == 0 or text[end - 1] == "\n":
        return None
    ends = [m.end() for m in _full_stop()[0].finditer(text, max(0, end - QUOTE_REACH), end - 1)]
    start = ends[-1] if ends else max(0, end - QUOTE_REACH)
    while start < end and text[start].isspace():
        start += 1
    return (start, end) if start < end else None


def sentence_after(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence of the same paragraph that starts right after `pos`, or None."""
    start = pos
    while start < len(text) and text[start] in " \t\u3000":
        start += 1
    if start >= len(text) or text[start] == "\n":
        return None
    m = _full_stop()[0].search(text, start, start + QUOTE_REACH)
    end = m.end() if m and m.group() != "\n" else (m.start() if m else min(len(text), start + QUOTE_REACH))
    return (start, end) if start < end else None


def whole_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole sentence around [start, end): a chunk boundary may have cut a long one."""
    sentence_end, ends_one = _full_stop()
    head = start
    while head > 0 and text[head - 1] in " \t\u3000":
        head -= 1
    if head > 0 and text[head - 1] != "\n" and not ends_one.match(text[head - 1]):
        ends = [m.end() for m in sentence_end.finditer(text, max(0, head - QUOTE_REACH), head)]
        if ends:
            start = ends[-1]
            while start < head and text[start].isspace():
                start += 1
    if end < len(text) and text[end - 1] != "\n" and not ends_one.match(text[end - 1]):
        m = sentence_end.search(text, end, end + QUOTE_REACH)
        if m:
            end = m.start() if m.group() == "\n" else m.end()
    return start, end


def quotation_before(text: str, pos: int) -> tuple[int, int] | None:
    """The quotation “…” of the same paragraph that ends right before `pos`, or None."""
    end = pos
    while end > 0 and text[end - 1] in " \t\u3000":
        end -= 1
    if end == 0 or text[end - 1] not in "”」":
        return None
    para = text.rfind("\n", 0, end) + 1
    start = max(text.rfind("“", para, end), text.rfind("「", para, end))
    if start < 0 or end - start > 600:
        return None
    return start, end


def is_quotation(text: str) -> bool:
    t = text.strip()
    return t[:1] in '“「"' and t[-1:] in '”」"' and t.count("“") <= 1
