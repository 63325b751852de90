"""Candidate short answers inside a sentence, and their general features, for the learned span picker.

Candidates are runs of up to MAX_TOKENS jieba tokens that do not cross punctuation (a joiner such as
"·" in 罗尔德·阿蒙森 does not end a run), each whole clause and runs of up to MAX_CLAUSES clauses
(CMRC 2018 answers are often a clause or a whole sentence), and the text inside quotation marks
(「」《》…). Features say what a span is (part-of-speech of its first and last tokens and of its
neighbours, number with measure word, date, person/place/organisation tags, length, quoted), what
the question asks (its question word's class, rag.query.question's `kinds` and `measure`), and how
the sentence around the span matches the question around its question word: a SQuAD-style
alignment ("第一个乘船通过整个西北水道的人是谁" -> "…阿蒙森成为第一个乘船通过…"). The wording
(question words, joiners, quotation marks) is the `reader.*` tables (rag/zh/data/reader.toml).
Both eval/train_spans.py and rag.answer.spans call `span_rows`, so they cannot drift apart.
"""

from __future__ import annotations

import math
from functools import lru_cache

from rag.answer.question_frame import ALNUM as _ALNUM
from rag.answer.question_frame import Frame, wh_classes
from rag.answer.reader_features import TYPES, tagged
from rag.retrieve.kinds import kind_patterns
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.numbers import numbers_with_measures, same_measure
from rag.zh.words import pair_bigrams

MAX_TOKENS = 6
MAX_CHARS = 30
MAX_CLAUSES = 4
WINDOW = 8  # characters either side of a span compared with the question around its question word
FLAG_GROUPS = ("n", "nr", "ns", "nt", "nz", "m", "q", "t", "v", "a", "eng", "u", "p", "r", "d", "c", "f", "x")
_TYPE_OF_FLAG = {"m": "number", "t": "date", "nr": "person", "ns": "place", "nt": "org"}


@lexicon_cached
@lru_cache(maxsize=1)
def _marks() -> tuple[str, dict[str, str]]:
    lex = lexicon()
    return lex.text("reader.span_joiners"), {p[0]: p[1] for p in lex.words("reader.quote_pairs")}


def _group(word: str, flag: str) -> str:
    if word.isdigit():
        return "m"
    if flag[:2] in FLAG_GROUPS:
        return flag[:2]
    return flag[:1] if flag[:1] in FLAG_GROUPS else "x" if not _ALNUM.search(word) else "n"


FEATURES: tuple[str, ...] = (
    "log_chars",
    "sentence_share",
    "tokens",
    "whole_clause",
    "quoted",
    "clause_start",
    "clause_end",
    "position",
    "in_question_share",
    "inside_question",
    "tokens_in_question",
    "has_digit",
    "has_measure_number",
    "measure_match",
    *(f"{k}_{x}" for k in TYPES for x in ("wanted", "has", "match")),
    *(f"wh_{c}" for c in (*wh_classes()[0], "none")),
    "left_align",
    "right_align",
    "left_overlap",
    "right_overlap",
    "near_question",
    "distance",
    *(f"{side}_{g}" for side in ("first", "last", "prev", "next") for g in (*FLAG_GROUPS, "none")),
)


def candidates(folded: str) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, int]]]:
    """(tokens as (word, group, start, end), candidate token ranges [i, j))"""
    toks, pos = [], 0
    for word, flag in tagged(folded):
        toks.append((word, _group(word, flag), pos, pos + len(word)))
        pos += len(word)
    joiners, quotes = _marks()
    breaks = [t[1] == "x" and not (t[0] in joiners and 0 < i < len(toks) - 1) for i, t in enumerate(toks)]
    out: dict[tuple[int, int], None] = {}
    segments, seg = [], 0
    for end in [*[i for i, b in enumerate(breaks) if b], len(toks)]:
        if end > seg:
            segments.append((seg, end))
            for i in range(seg, end):
                if toks[i][0] in joiners:
                    continue
                for j in range(i + 1, min(end, i + MAX_TOKENS) + 1):
                    if toks[j - 1][3] - toks[i][2] > MAX_CHARS:
                        break
                    if toks[j - 1][0] not in joiners:
                        out[(i, j)] = None
        seg = end + 1
    # whole clauses and runs of up to MAX_CLAUSES of them: some answers are a clause or a sentence
    for k, (start, _) in enumerate(segments):
        for _, end in segments[k : k + MAX_CLAUSES]:
            out[(start, end)] = None
    for i, t in enumerate(toks):
        closer = quotes.get(t[0][-1]) if t[1] == "x" else None
        if closer:
            j = next((k for k in range(i + 1, len(toks)) if closer in toks[k][0]), None)
            if j is not None and j > i + 1:
                out[(i + 1, j)] = None
    return toks, list(out)


def _share(grams: frozenset[str], text: str) -> float:
    return len(grams & pair_bigrams(text)) / len(grams) if grams else 0.0


@lru_cache(maxsize=1)
def _one_hot() -> dict[str, tuple[float, ...]]:
    groups = (*FLAG_GROUPS, "none")
    return {g: tuple(1.0 if g == x else 0.0 for x in groups) for g in groups}


def span_rows(fr: Frame, folded: str) -> tuple[list[tuple[int, int]], list[list[float]]]:
    """Candidate character spans of one folded sentence and one feature row each (FEATURES order).
    What depends on one token or one boundary is computed once, not once per candidate."""
    toks, ranges = candidates(folded)
    if not toks:
        return [], []
    info, n, nt = fr.info, len(folded), len(toks)
    hot, quotes = _one_hot(), _marks()[1]
    groups = [hot[t[1]] for t in toks]
    is_word = [t[1] != "x" for t in toks]
    is_new = [w and t[0] not in info.folded for w, t in zip(is_word, toks, strict=True)]
    kind = [_TYPE_OF_FLAG.get(t[1]) if new else None for t, new in zip(toks, is_new, strict=True)]
    hits = {i for i, t in enumerate(toks) if t[1] != "x" and len(t[0]) > 1 and t[0] in info.folded}
    # the distance from each token to the nearest question word at or before / at or after it
    before, after, last = [nt] * nt, [nt] * nt, None
    for i in range(nt):
        last = i if i in hits else last
        before[i] = i - last if last is not None else nt
    last = None
    for i in reversed(range(nt)):
        last = i if i in hits else last
        after[i] = last - i if last is not None else nt
    alnum = [0]
    in_q = [0]
    for c in folded:
        word = bool(_ALNUM.match(c))
        alnum.append(alnum[-1] + word)
        in_q.append(in_q[-1] + (word and c in fr.chars))
    left = [
        (_share(fr.left, folded[max(0, t[2] - WINDOW) : t[2]]), folded[max(0, t[2] - WINDOW) : t[2]])
        for t in toks
    ]
    right = [(_share(fr.right, folded[t[3] : t[3] + WINDOW]), folded[t[3] : t[3] + WINDOW]) for t in toks]
    lq = [sum(c in fr.chars for c in w) / WINDOW for _, w in left]
    rq = [sum(c in fr.chars for c in w) / WINDOW for _, w in right]
    clause_start = [i == 0 or toks[i - 1][1] == "x" for i in range(nt)]
    clause_end = [j == nt or toks[j][1] == "x" for j in range(nt + 1)]
    date = kind_patterns()["date"]
    wh = [1.0 if fr.wh == c else 0.0 for c in (*wh_classes()[0], "none")]
    wanted = [1.0 if k in info.kinds else 0.0 for k in TYPES]
    none = hot["none"]
    spans, rows = [], []
    for i, j in ranges:
        a, b = toks[i][2], toks[j - 1][3]
        text = folded[a:b]
        words = sum(is_word[i:j])
        new = sum(is_new[i:j])
        kinds = set(kind[i:j])
        numeric = "number" in kinds or "date" in kinds or any(c.isdigit() for c in text)
        nums = numbers_with_measures(text) if numeric else set()
        types = []
        for w, k in zip(wanted, TYPES, strict=True):
            has = (
                k in kinds
                or (k == "number" and bool(nums))
                or (k == "date" and numeric and bool(date.search(text)))
            )
            types += [w, float(has), w * has]
        chars = alnum[b] - alnum[a]
        inside = any(h for h in range(i, j) if h in hits)
        distance = 0 if inside else min(before[i], after[j - 1])
        spans.append((a, b))
        rows.append(
            [
                math.log1p(len(text)),
                len(text) / n,
                (j - i) / MAX_TOKENS,
                1.0 if clause_start[i] and clause_end[j] else 0.0,
                1.0 if i and toks[i - 1][0][-1:] in quotes else 0.0,
                1.0 if clause_start[i] else 0.0,
                1.0 if clause_end[j] else 0.0,
                a / n,
                (in_q[b] - in_q[a]) / chars if chars else 1.0,
                1.0 if text in info.folded else 0.0,
                1 - new / words if words else 1.0,
                1.0 if numeric and any(c.isdigit() for c in text) else 0.0,
                1.0 if nums else 0.0,
                1.0 if info.measure and any(same_measure(info.measure, m) for _, m in nums) else 0.0,
                *types,
                *wh,
                left[i][0],
                right[j - 1][0],
                lq[i],
                rq[j - 1],
                1.0 if distance <= 2 else 0.0,
                distance / nt,
                *groups[i],
                *groups[j - 1],
                *(groups[i - 1] if i else none),
                *(groups[j] if j < nt else none),
            ]
        )
    return spans, rows
