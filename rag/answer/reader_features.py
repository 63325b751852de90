"""General features of a sentence as the answer to a question, for the learned reader.

Nothing here knows a domain: overlap of character bigrams and jieba tokens with the question (both
folded), the same weighted by an idf computed over the sentences of the passage (BM25-like: a word
every sentence has says little), the longest run of question characters the sentence repeats, the
neighbours' overlap, the answer type the question asks for (rag.query.question: `kinds`,
`measure`) against what the sentence holds (numbers with their measure words, dates, and people,
places and organisations by jieba's part-of-speech tags, counted only when the question does not
name them already), position and length. The training script (eval/train_reader.py) and the
reader (rag.answer.learned) both call `passage_features`, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.question_frame import Frame, frame
from rag.query.question import QuestionInfo
from rag.retrieve.kinds import kind_patterns
from rag.zh.numbers import numbers_with_measures, same_measure
from rag.zh.text import fold
from rag.zh.words import pair_bigrams, posseg

# answer types a question can ask for, and the jieba POS tags of words that can answer them
TYPES = ("number", "date", "person", "place", "org")
_TAG_TYPE = {"m": "number", "t": "date", "nr": "person", "ns": "place", "nt": "org"}

FEATURES: tuple[str, ...] = (
    "bigram_share",
    "bigram_idf_share",
    "off_title_share",
    "off_title_idf_share",
    "focus_in",
    "token_share",
    "token_idf_share",
    "longest_run",
    "gap_to_best",
    "is_best",
    "rank_inverse",
    "prev_idf_share",
    "next_idf_share",
    "off_gap_to_best",
    "prev_off_share",
    "next_off_share",
    "novel_share",
    "log_length",
    "position",
    "is_first",
    "log_sentences",
    "open_question",
    "open_x_novel",
    "measure_match",
    *(f"{k}_{x}" for k in TYPES for x in ("wanted", "has", "match")),
    "wh_left_share",
    "wh_right_share",
    "wh_both",
    "extractive_pick",
    "extractive_declined",
)


@dataclass(frozen=True)
class SentenceView:
    """What the features read of one sentence, computed once per sentence."""

    folded: str
    bigrams: frozenset[str]
    tags: frozenset[str]  # answer types its new words (not in the question) carry, by POS tag


@lru_cache(maxsize=8192)
def tagged(folded: str) -> tuple[tuple[str, str], ...]:
    # without the HMM: unknown words stay single characters, but tagging is several times faster
    return tuple((w.word, w.flag) for w in posseg().cut(folded, HMM=False))


def view(sentence: str, question_folded: str) -> SentenceView:
    folded = fold(sentence)
    tags = {
        _TAG_TYPE[flag[:2] if flag[:2] in _TAG_TYPE else flag[:1]]
        for word, flag in tagged(folded)
        if (flag[:2] in _TAG_TYPE or flag[:1] in _TAG_TYPE) and word not in question_folded
    }
    return SentenceView(folded, frozenset(pair_bigrams(folded)), frozenset(tags))


def common_run(a: str, b: str) -> int:
    """The longest run of characters a and b share (rag.zh.words.longest_common_run for strings):
    one substring search per start in `a`, each only trying to beat the best so far, so the work
    is done by str.__contains__ instead of a Python loop over every pair of characters."""
    best = 0
    for i in range(len(a)):
        while i + best < len(a) and a[i : i + best + 1] in b:
            best += 1
    return best


def _idf(views: Sequence[SentenceView], items: Sequence[str], contains) -> dict[str, float]:
    n = len(views)
    out = {}
    for it in items:
        df = sum(1 for v in views if contains(v, it))
        out[it] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return out


def _share(weights: dict[str, float], found: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for k, w in weights.items() if k in found) / total if total else 0.0


def _has_type(kind: str, v: SentenceView) -> bool:
    if kind == "number":
        return bool(numbers_with_measures(v.folded)) or "number" in v.tags
    if kind == "date":
        return "date" in v.tags or bool(kind_patterns()["date"].search(v.folded))
    return kind in v.tags


def passage_features(
    info: QuestionInfo,
    sentences: Sequence[str],
    title: str = "",
    picked: Collection[int] = (),
    declined: bool = False,
) -> list[list[float]]:
    """One feature row (in the order of FEATURES) per sentence of one passage of a document titled
    `title`: what the question says besides the title is what tells a later sentence (which names
    its subject by a pronoun, or not at all) from the opening one that names it. `picked`: the
    sentences the hand-rule reader (rag.answer.extractive) quotes; `declined`: it declined."""
    if not sentences:
        return []
    views = [view(s, info.folded) for s in sentences]
    fr = frame(info)
    qgrams = sorted(info.bigrams)
    gram_idf = _idf(views, qgrams, lambda v, g: g in v.bigrams)
    title_grams = pair_bigrams(fold(title))
    off_idf = {g: w for g, w in gram_idf.items() if g not in title_grams}
    focus = info.tokens[-1] if info.tokens else ""
    tok_idf = _idf(views, info.tokens, lambda v, t: t in v.folded)
    core = "".join(c for c in info.folded if c.isalnum())
    open_question = 0.0 if set(info.kinds) & set(TYPES) else 1.0
    base = []
    for v in views:
        shared = v.bigrams & set(qgrams)
        toks = {t for t in info.tokens if t in v.folded}
        base.append(
            (
                len(shared) / len(qgrams) if qgrams else 0.0,
                _share(gram_idf, shared),
                len(shared - title_grams) / len(off_idf) if off_idf else 0.0,
                _share(off_idf, shared),
                1.0 if focus and focus in v.folded else 0.0,
                len(toks) / len(info.tokens) if info.tokens else 0.0,
                _share(tok_idf, toks),
                1 - len(shared) / len(v.bigrams) if v.bigrams else 0.0,
            )
        )
    idf_shares = [b[1] for b in base]
    best = max(idf_shares)
    offs = [b[3] for b in base]
    order = sorted(range(len(views)), key=lambda i: -idf_shares[i])
    rank = {i: r for r, i in enumerate(order, 1)}
    rows = []
    n = len(views)
    for i, (v, b) in enumerate(zip(views, base, strict=True)):
        measure = bool(info.measure) and any(
            same_measure(info.measure, m) for _, m in numbers_with_measures(v.folded)
        )
        types = []
        for k in TYPES:
            wanted = 1.0 if k in info.kinds else 0.0
            has = 1.0 if _has_type(k, v) else 0.0
            types += [wanted, has, wanted * has]
        rows.append(
            [
                *b[:7],
                min(common_run(core, v.folded), 12) / 12,
                b[1] - best,
                1.0 if b[1] == best else 0.0,
                1 / rank[i],
                idf_shares[i - 1] if i > 0 else 0.0,
                idf_shares[i + 1] if i + 1 < n else 0.0,
                b[3] - max(offs),
                offs[i - 1] if i > 0 else 0.0,
                offs[i + 1] if i + 1 < n else 0.0,
                b[7],
                math.log1p(len(v.folded)),
                i / (n - 1) if n > 1 else 0.0,
                1.0 if i == 0 else 0.0,
                math.log(n),
                open_question,
                open_question * b[7],
                1.0 if measure else 0.0,
                *types,
                *_aligned(fr, v.bigrams),
                1.0 if i in picked else 0.0,
                1.0 if declined else 0.0,
            ]
        )
    return rows


def _aligned(fr: Frame, bigrams: frozenset[str]) -> tuple[float, float, float]:
    """Share of the bigrams right before and right after the question word that the sentence repeats
    (第一个乘船通过整个西北水道的人 | 是谁), and both: the sentence states what the question restates."""
    left = len(fr.left & bigrams) / len(fr.left) if fr.left else 0.0
    right = len(fr.right & bigrams) / len(fr.right) if fr.right else 0.0
    return left, right, left * right
