"""A document as the extractor reads it: sentences folded for matching, mapped back to the original."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.cases.model import Field, Span
from rag.types import Document
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold_with_map, original_span, split_sentences
from rag.zh.words import posseg

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


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


@lexicon_cached
@lru_cache(maxsize=1)
def not_entities() -> frozenset[str]:
    return frozenset(lexicon().words("jieba.not_entities"))


@lexicon_cached
@lru_cache(maxsize=4096)
def tagged(text: str) -> tuple[tuple[str, str, int], ...]:
    """jieba words with their part-of-speech flag and start offset (cached: every finder asks)."""
    out = []
    pos = 0
    for pair in posseg().cut(text):
        out.append((pair.word, pair.flag, pos))
        pos += len(pair.word)
    return tuple(out)


def place_words(text: str) -> list[tuple[int, int]]:
    """Spans of jieba place names (`ns`)."""
    return [(s, s + len(w)) for w, f, s in tagged(text) if f == "ns" and w not in not_entities()]
