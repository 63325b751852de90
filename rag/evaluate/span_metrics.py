"""Short-answer metrics of CMRC 2018: exact match and character F1 against gold spans, and the answer
hit (the answer contains a gold string). Pure functions over strings; both sides folded first
(Traditional -> Simplified, NFKC), so DRCD's Traditional golds match either script.

Tokens follow the official CMRC 2018 script: every CJK character is a token, a run of Latin letters
or digits is one token, punctuation and spaces are dropped. F1 is the longest common substring of
the two token lists over the prediction's (precision) and the gold's (recall) length, best gold wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rag.zh.text import fold
from rag.zh.words import longest_common_run

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?|[^\W\d_a-z]", re.UNICODE)


def span_tokens(text: str) -> list[str]:
    folded = fold(text)
    return [t for t in _TOKEN.findall(folded) if not unicodedata.category(t[0]).startswith("P")]


def char_f1(prediction: str, golds: Sequence[str]) -> float:
    pred = span_tokens(prediction)
    best = 0.0
    for gold in golds:
        ref = span_tokens(gold)
        common = longest_common_run(pred, ref)
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def exact_match(prediction: str, golds: Sequence[str]) -> bool:
    pred = span_tokens(prediction)
    return bool(pred) and any(pred == span_tokens(g) for g in golds)


def answer_hit(answer_text: str, golds: Sequence[str]) -> bool:
    """The answer contains a gold answer string, both folded."""
    folded = fold(answer_text)
    return any(fold(g).strip() and fold(g).strip() in folded for g in golds)
