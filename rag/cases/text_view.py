"""A document as the extractor reads it: sentences folded for matching, mapped back to the original."""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rag.cases.model import Field, Span
from rag.cases.table import words_pattern
from rag.types import Document
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold_with_map, original_span, split_sentences

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@dataclass(frozen=True)
class Sentence:
    start: int  # original offsets of the sentence
    end: int
    paragraph: int  # index of its paragraph (blocks between blank lines)
    folded: str
    mapping: tuple[int, ...]  # folded index -> original index (absolute)

    def span(self, a: int, b: int) -> Span:
        """Original span of folded [a, b)."""
        return original_span(list(self.mapping), a, b)

    def field(self, doc: Document, a: int, b: int, value: str | None = None) -> Field:
        """A Field for folded [a, b): the original words as value unless one is given."""
        s, e = self.span(a, b)
        return Field(doc.text[s:e] if value is None else value, (s, e), (self.start, self.end))


def sentences(doc: Document) -> list[Sentence]:
    out: list[Sentence] = []
    text = doc.text
    breaks = [m.start() for m in _BLANK_LINE.finditer(text)]
    for start, end in split_sentences(text):
        folded, local = fold_with_map(text[start:end])
        paragraph = bisect.bisect_left(breaks, start)
        out.append(Sentence(start, end, paragraph, folded, tuple(start + i for i in local)))
    return out


@lru_cache(maxsize=1)
def _posseg() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


@lexicon_cached
@lru_cache(maxsize=1)
def _not_entities() -> frozenset[str]:
    return frozenset(lexicon().words("jieba.not_entities"))


def tagged(text: str) -> list[tuple[str, str, int]]:
    """jieba words with their part-of-speech flag and start offset."""
    out = []
    pos = 0
    for pair in _posseg().cut(text):
        out.append((pair.word, pair.flag, pos))
        pos += len(pair.word)
    return out


def person_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names (jieba `nr`); adjacent `nr` pieces join (徐 + 荣军 -> 徐荣军);
    masked names (陈某某, 王某) by the table's pattern."""
    spans: list[tuple[int, int]] = []
    prev_end = -1
    words = tagged(text)
    for k, (word, flag, start) in enumerate(words):
        if flag != "nr" or word in _not_entities():
            continue
        nxt = words[k + 1] if k + 1 < len(words) else ("", "x", 0)
        if len(word) == 1 and nxt[1] != "nr" and _HAN_NAME.match(word + nxt[0]) and len(nxt[0]) <= 2:
            # a surname jieba cut off (邓 + 文华): joined when a post comes right before it
            if _post_before(text[:start]):
                spans.append((start, start + 1 + len(nxt[0])))
                prev_end = spans[-1][1]
            continue
        if spans and start == prev_end and (prev_end - spans[-1][0]) + len(word) <= 4:
            spans[-1] = (spans[-1][0], start + len(word))
        else:
            spans.append((start, start + len(word)))
        prev_end = start + len(word)
    # jieba reads some places as names (安居区): a name does not end like a place
    suffixes = lexicon().text("places.suffixes")
    spans = [(a, b) for a, b in spans if _HAN_NAME.match(text[a:b]) and text[b - 1] not in suffixes]
    lex = lexicon()
    not_first = lex.text("sanctions.cases.masked_name_not_first")
    for m in lex.pattern("sanctions.cases.masked_name").finditer(text):
        a, b = m.span()
        if text[a] not in not_first and not any(x < b and a < y for x, y in spans):
            spans.append((a, b))
    return sorted(spans)


def _post_before(text: str) -> bool:
    return bool(words_pattern("posts", "(?:{})$").search(text))


def place_words(text: str) -> list[tuple[int, int]]:
    """Spans of jieba place names (`ns`)."""
    return [(s, s + len(w)) for w, f, s in tagged(text) if f == "ns" and w not in _not_entities()]
