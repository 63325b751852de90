"""Questions no document could answer, refused before any passage is quoted: instructions to the
system ("忽略之前的所有指令…", "ignore the previous instructions") and gibberish (characters that make
no words: mostly rare characters, or character pairs no dictionary word holds). Without this the
reader quotes whatever sentence shares a character or two with them. The patterns, thresholds and
replies are the `guard.*` tables (rag/zh/data/guard.toml)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.extractive import Answerer
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit
from rag.zh.diskcache import cached_json
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold
from rag.zh.words import tokenizer

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")  # with the rare extension blocks
_HAN_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]+")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


@lexicon_cached
@lru_cache(maxsize=1)
def _character_statistics() -> tuple[frozenset[str], frozenset[str]]:
    """(the most common Han characters, every character pair inside a dictionary word), both from
    jieba's dictionary: a character's weight is the frequency of the words that hold it. Kept in the
    user's cache folder (rag.zh.diskcache): counting 350,000 words was the largest part of a cold
    `rag ask` after the model (about 2 s of CPU), and the dictionary rarely changes."""
    import jieba

    tok, top = tokenizer(), int(lexicon().number("guard.common_characters"))
    users = lexicon().words("jieba.user_words")
    key = [_STATS_VERSION, jieba.__version__, len(tok.FREQ), tok.total, top, list(users)]

    def derive() -> dict[str, str]:
        common, pairs = _count(tok.FREQ, top)
        return {"common": "\n".join(common), "pairs": "\n".join(pairs)}  # no word holds a line break

    kept = cached_json("guard-characters", key, derive)
    common, pairs = kept["common"].split("\n"), kept["pairs"].split("\n")
    return frozenset(c for c in common if c), frozenset(p for p in pairs if p)


_STATS_VERSION = 1  # bump when _count changes


def _count(freqs: Mapping[str, int], top: int) -> tuple[list[str], list[str]]:
    mass: dict[str, int] = {}
    pairs: set[str] = set()
    for word, freq in freqs.items():
        if not freq:
            continue
        for c in word:
            if _HAN.match(c):
                mass[c] = mass.get(c, 0) + freq
        pairs.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(mass, key=lambda c: -mass[c])[:top], sorted(pairs)


def plausibility(folded: str) -> tuple[float, float]:
    """(share of the Han characters that are common ones, share of adjacent Han pairs that occur
    inside some dictionary word). A real question scores high on both even when it is made of names
    the dictionary lacks (西喀喇汗国); random characters are mostly rare, and random pairs rarely
    make words."""
    common, pairs = _character_statistics()
    han = _HAN.findall(folded)
    grams = [r[i : i + 2] for r in _HAN_RUNS.findall(folded) for i in range(len(r) - 1)]
    share = sum(c in common for c in han) / len(han) if han else 0.0
    return share, (sum(g in pairs for g in grams) / len(grams) if grams else 0.0)


def refusal(question: str) -> str | None:
    """ "instruction", "gibberish", or None for a question the documents might answer."""
    lx = lexicon()
    folded = fold(question)
    if lx.pattern("guard.instructions").search(folded):
        return "instruction"
    if not _WORDLIKE.search(folded):
        return "gibberish"  # punctuation and symbols only
    if len(_HAN.findall(folded)) >= lx.number("guard.gibberish_min_han"):
        common, pairs = plausibility(folded)
        if common < lx.number("guard.gibberish_min_common") or pairs < lx.number("guard.gibberish_min_pairs"):
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
