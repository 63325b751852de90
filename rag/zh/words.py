"""Words: one jieba tokenizer per process (segmentation and part-of-speech tags share it), and the
character bigrams that match a question against a sentence.

Start-up cost: jieba's dictionary is read from its marshal cache (kept in the user's cache folder,
rag-zh/jieba, instead of the temp folder a reboot empties). The part-of-speech table is read from the
dictionary's text (350,000 lines), which jieba does line by line for every POSTokenizer; importing
jieba.posseg builds one such POSTokenizer at module level, so a process read it twice. Here the
module-level one is handed an empty dictionary while importing and then shares our table, read once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.zh.diskcache import user_cache_folder
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
    tok.tmp_dir = _cache_dir()  # its marshal cache of the dictionary: None (the temp folder) if unwritable
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
    tok = tokenizer()
    module = _import_posseg()
    tags = _word_tags(tok)
    module.dt.word_tag_tab = tags  # jieba.posseg.cut, if anything calls it, tags as ours does
    pos = module.POSTokenizer.__new__(module.POSTokenizer)  # __init__ would read the dictionary's text
    pos.tokenizer, pos.word_tag_tab = tok, tags
    return pos


def _cache_dir() -> str | None:
    folder = user_cache_folder("jieba")
    return str(folder) if folder else None


def _import_posseg() -> Any:
    import sys

    import jieba

    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    # its module-level POSTokenizer(jieba.dt) reads the tags of jieba.dt's dictionary: an empty one
    folder = _cache_dir()
    if folder is None:
        import jieba.posseg

        return jieba.posseg
    empty = Path(folder) / "empty-dict.txt"
    empty.touch()
    saved = jieba.dt.dictionary
    jieba.dt.dictionary = str(empty)
    try:
        import jieba.posseg
    finally:
        jieba.dt.dictionary = saved
    return jieba.posseg


def _word_tags(tok: Any) -> dict[str, str]:
    """word -> part-of-speech tag of the tokenizer's dictionary ("word freq tag" lines). One split of the
    whole text: 0.23 s where jieba's line-by-line reading takes 0.64 s (and a marshal cache 1.2 s)."""
    with tok.get_dict_file() as fh:
        text = fh.read().decode("utf-8")
    fields = text.split()
    if len(fields) == 3 * len(text.splitlines()):  # every line has its three fields
        return dict(zip(fields[0::3], fields[2::3], strict=True))
    tags = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            tags[parts[0]] = parts[2]
    return tags


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
