"""Questions no document could answer, refused before any passage is quoted: instructions to the
system ("忽略之前的所有指令…", "ignore the previous instructions") and gibberish (characters that make
no words). Without this the reader quotes whatever sentence shares a character or two with them.
The patterns, thresholds and replies are the `guard.*` tables (rag/zh/data/guard.toml)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rag.answer.extractive import Answerer
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit
from rag.zh.lexicon import lexicon
from rag.zh.text import fold
from rag.zh.words import tokenizer

_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


def dictionary_cover(folded: str) -> float:
    """Share of the Han characters that lie in dictionary words of two or more characters (jieba
    without its HMM guesses: a multi-character token is then a dictionary word)."""
    han = len(_HAN.findall(folded))
    if not han:
        return 0.0
    words = tokenizer().lcut(folded, HMM=False)
    return sum(len(w) for w in words if len(w) > 1 and len(_HAN.findall(w)) == len(w)) / han


def refusal(question: str) -> str | None:
    """ "instruction", "gibberish", or None for a question the documents might answer."""
    lx = lexicon()
    folded = fold(question)
    if lx.pattern("guard.instructions").search(folded):
        return "instruction"
    if not _WORDLIKE.search(folded):
        return "gibberish"  # punctuation and symbols only
    if len(_HAN.findall(folded)) >= lx.number("guard.gibberish_min_han"):
        if dictionary_cover(folded) < lx.number("guard.gibberish_max_cover"):
            return "gibberish"
    return None


@dataclass(frozen=True)
class GuardedAnswerer:
    """An answerer that first refuses instructions and gibberish, and hands every other question on."""

    inner: Answerer

    @property
    def name(self) -> str:
        return self.inner.name

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        query = as_query(question)
        why = refusal(query.text)
        if why is None:
            yield from self.inner.stream(query, hits, documents)
            return
        text = lexicon().text(f"guard.{why}_reply")
        yield text
        yield Answer(question=query.rewritten, text=text, abstained=True, rewritten_query="", hits=())
