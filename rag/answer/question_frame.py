"""What the words around a question's question word say (第一个乘船通过整个西北水道的人 | 是谁): the class of
the question word (reader.wh_classes: who, when, where, count, which, what, how) and the character
bigrams right before and after it. A sentence that repeats the words before 是谁 and a span right
after them is where a SQuAD-style answer sits; both the sentence and the span features read this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.query.question import QuestionInfo
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.words import pair_bigrams

ALNUM = re.compile(r"[\w]")
_ALNUM = ALNUM


@lexicon_cached
@lru_cache(maxsize=1)
def wh_classes() -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """(class names, [(word, class)] longest word first)"""
    classes, words = [], []
    for line in lexicon().words("reader.wh_classes"):
        name, *ws = line.split()
        classes.append(name)
        words += [(w, name) for w in ws]
    return tuple(classes), sorted(words, key=lambda p: -len(p[0]))


@dataclass(frozen=True)
class Frame:
    """What the span features read of the question, computed once per question."""

    info: QuestionInfo
    chars: frozenset[str]
    wh: str  # the question word's class, "none" when it has none
    left: frozenset[str]  # bigrams of the words right before the question word
    right: frozenset[str]  # bigrams of the words right after it


def frame(info: QuestionInfo) -> Frame:
    folded = info.folded
    wh, pos, size = "none", -1, 0
    for word, name in wh_classes()[1]:
        i = folded.find(word)
        if i >= 0 and (pos < 0 or i < pos):
            wh, pos, size = name, i, len(word)
    before = "".join(_ALNUM.findall(folded[:pos]))[-6:] if pos >= 0 else ""
    after = "".join(_ALNUM.findall(folded[pos + size :]))[:6] if pos >= 0 else ""
    chars = frozenset(c for c in folded if _ALNUM.match(c))
    return Frame(info, chars, wh, frozenset(pair_bigrams(before)), frozenset(pair_bigrams(after)))
