"""Words: one jieba tokenizer per process (segmentation and part-of-speech tags share it), and the
character bigrams that match a question against a sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from rag.zh.lexicon import lexicon, lexicon_cached


@lexicon_cached
@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The process's jieba tokenizer, its dictionary loaded once, with the lexicon's user words
    (jieba.user_words)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" on stderr
    tok = jieba.Tokenizer()
    tok.initialize()
    for line in lexicon().words("jieba.user_words"):
        word, *rest = line.split()
        freq = int(rest[0]) if rest and rest[0].isdigit() else None
        tag = rest[-1] if rest and not rest[-1].isdigit() else None
        tok.add_word(word, freq, tag)
    return tok


@lexicon_cached
@lru_cache(maxsize=1)
def posseg() -> Any:
    """jieba's part-of-speech tagger over the same tokenizer (and dictionary)."""
    import jieba.posseg

    return jieba.posseg.POSTokenizer(tokenizer())


# runs a bigram never crosses: Han runs and Latin/digit runs apart (a question's bigrams), or any
# run of word characters (a claim's bigrams: "12名" gives "2名", so the number stays bound to its unit)
HAN_OR_ALNUM_RUNS = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
WORD_RUNS = re.compile(r"\w+")


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of the longest run of items (characters, tokens) that a and b share, in order."""
    best, row = 0, [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            cur = row[j]
            row[j] = prev + 1 if x == y else 0
            best = max(best, row[j])
            prev = cur
    return best


def pair_bigrams(folded: str, runs: re.Pattern[str] = WORD_RUNS) -> set[str]:
    """The overlapping two-character fragments of folded text, within the runs `runs` finds:
    punctuation never bridges a pair."""
    out: set[str] = set()
    for run in runs.findall(folded):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out
