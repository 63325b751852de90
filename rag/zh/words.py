"""Words: one jieba tokenizer per process (segmentation and part-of-speech tags share it), and the
character bigrams that match a question against a sentence.

Start-up cost: jieba's prefix dictionary (word -> frequency) and its part-of-speech table (word -> tag)
are kept together in one marshal file in the user's cache folder (rag-zh/jieba), the tag table's words
being the dictionary's own string objects, so reading both costs about what the dictionary alone did.
It is read as bytes and unmarshalled at once: jieba's own `marshal.load(file)` reads the file object
piece by piece (1.6 s where `marshal.loads` of its bytes takes 0.5 s). Without that file (first run,
other jieba version or dictionary, damaged, unwritable folder), jieba loads its dictionary as before and
the tags are read from the dictionary's text, once. Importing jieba.posseg builds a POSTokenizer at
module level, which would read the tags again: it is handed an empty dictionary while importing and
then shares our table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.zh.diskcache import keep_file, user_cache_folder
from rag.zh.lexicon import lexicon, lexicon_cached

KEPT_FORMAT = 1  # bump when what the kept dictionary file holds changes


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
    tok.word_tags = _load_dictionary(tok)  # before the user's words: the kept file holds jieba's own
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
    tags = tok.word_tags
    module.dt.word_tag_tab = tags  # jieba.posseg.cut, if anything calls it, tags as ours does
    pos = module.POSTokenizer.__new__(module.POSTokenizer)  # __init__ would read the dictionary's text
    pos.tokenizer, pos.word_tag_tab = tok, tags
    return pos


def _cache_dir() -> str | None:
    folder = user_cache_folder("jieba")
    return str(folder) if folder else None


def _kept_file(tok: Any) -> Path | None:
    """The kept dictionary-and-tags file, named by what it is derived from; None if no cache folder."""
    import hashlib
    import os
    import sys

    import jieba

    folder = _cache_dir()
    if folder is None:
        return None
    # jieba's own dictionary is `None` (its dict.txt, read as a package resource)
    dictionary = tok.dictionary or os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)
    try:
        stat = os.stat(dictionary)
    except OSError:
        return None
    key = [KEPT_FORMAT, jieba.__version__, sys.version_info[:2], dictionary, stat.st_size, stat.st_mtime_ns]
    return Path(folder) / f"dict-tags-{hashlib.sha256(repr(key).encode()).hexdigest()[:16]}.marshal"


def _load_dictionary(tok: Any) -> dict[str, str]:
    """Fill tok's prefix dictionary (as tok.initialize() does) and return its word -> tag table."""
    import marshal

    path = _kept_file(tok)
    if path is not None:
        try:
            freq, total, tags = marshal.loads(path.read_bytes())
            if isinstance(freq, dict) and isinstance(total, int) and isinstance(tags, dict):
                tok.FREQ, tok.total, tok.initialized = freq, total, True
                return tags
        except (OSError, ValueError, EOFError, TypeError):
            pass  # not kept yet, or damaged: load as jieba does, then keep it
    tok.initialize()
    tags = _word_tags(tok)
    if path is not None:
        words = {w: w for w in tok.FREQ}  # the tag table's keys become the dictionary's own strings:
        tags = {words.get(w, w): t for w, t in tags.items()}  # marshal then writes each word once
        keep_file(path, marshal.dumps((tok.FREQ, tok.total, tags)))
    return tags


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
