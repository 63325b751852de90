"""Show the short answer? For an answered question and the first sentence its answer quotes, the span
the span model (rag.answer.spans) ranks first — of the asked kind when the question asks for a name,
place, number, date or organisation — and the features a small learned decision reads: what the
question asks (question-word class, kinds, an open ending such as 是什么/为什么), how sure the span
model is (best and second-best probability), and what the span is (length, share of the sentence,
a whole clause). Public sets differ: DRCD's gold answers are short spans, CMRC 2018's are often a
clause or a sentence; the decision (rag/answer/short_model.json, a logistic regression written by
eval/train_short.py on both sets' tune splits) learns when a span scores better than the sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.answer.learned import ReaderModel, load_model
from rag.answer.question_frame import ALNUM as _ALNUM
from rag.answer.question_frame import Frame, frame, wh_classes
from rag.answer.reader_features import TYPES
from rag.answer.span_features import FEATURES as SPAN_FEATURES
from rag.answer.span_features import span_rows
from rag.answer.spans import Span
from rag.answer.trees import TreeModel
from rag.query.question import QuestionInfo
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold

SHORT_MODEL_PATH = Path(__file__).with_name("short_model.json")
_AT = {f: SPAN_FEATURES.index(f) for f in SPAN_FEATURES}
_MATCH = [_AT[f"{k}_match"] for k in TYPES]

# what the question asks: shared with the span reader's decision (rag.answer.read_decision)
QUESTION_FEATURES: tuple[str, ...] = (
    *(f"wh_{c}" for c in (*wh_classes()[0], "none")),
    *(f"kind_{k}" for k in TYPES),
    "typed",
    "listing",
    "question_words",
    "q_log_chars",
    "open_ending",
    "reason",
)

DECISION_FEATURES: tuple[str, ...] = (
    *QUESTION_FEATURES,
    "span_prob",
    "span_logit",
    "second_prob",
    "prob_gap",
    "span_log_chars",
    "span_share",
    "span_whole_clause",
    "span_typed",
    "span_in_question",
    "span_inside_question",
    "quote_log_chars",
    "quote_clauses",
    "quote_share",
)


@lexicon_cached
@lru_cache(maxsize=1)
def _wording() -> tuple[tuple[str, ...], tuple[str, ...], str, str, tuple[str, ...]]:
    lex = lexicon()
    return (
        lex.words("reader.short_open_endings"),
        lex.words("reader.short_reason_words"),
        lex.text("reader.short_trailing"),
        lex.text("reader.short_bad_edges"),
        lex.words("reader.quote_pairs"),
    )


def reads_well(text: str) -> bool:
    """A span fit to lead an answer: not begun or ended by a particle (reader.short_bad_edges), and
    every quotation mark in it has its partner (reader.quote_pairs)."""
    *_, edges, pairs = _wording()
    if not text or text[0] in edges or text[-1] in edges:
        return False
    return all(text.count(p[0]) == text.count(p[-1]) for p in pairs if p[0] != p[-1]) and all(
        text.count(p[0]) % 2 == 0 for p in pairs if p[0] == p[-1]
    )


def asks_reason(info: QuestionInfo) -> bool:
    """Whether the question asks for a reason or a way (reader.short_reason_words): its answer is a
    clause ("因为…"), rarely a span."""
    return any(w in info.folded for w in _wording()[1])


def question_words(folded: str) -> int:
    """How many question words (reader.wh_classes, longest first, not overlapping) a question holds:
    "多少轮、多少次" asks for two answers, and one span cannot be both."""
    n = 0
    for word, _ in wh_classes()[1]:
        n += folded.count(word)
        folded = folded.replace(word, "\0")
    return n


@dataclass(frozen=True)
class ShortCase:
    """The span a decision is about, and the decision's feature row (DECISION_FEATURES order)."""

    span: Span
    row: list[float]


def short_case(info: QuestionInfo, quote: str, answer_text: str, model: TreeModel) -> ShortCase | None:
    """The candidate short answer of `quote` (the first sentence an answer quotes; `answer_text` the
    whole answer) and its features; None when the sentence has no candidate but itself."""
    fr = frame(info)
    folded = fold(quote)
    spans, rows = span_rows(fr, folded)
    if not rows:
        return None
    probs = model.probabilities(rows)
    kinds = set(info.kinds) & set(TYPES)
    wanted = [m for m, k in zip(_MATCH, TYPES, strict=True) if k in kinds]
    # fold keeps one character per character for nearly all text; when it does not, show the folded span
    same = len(folded) == len(quote)
    texts = [(quote[a:b] if same else folded[a:b]).strip() for a, b in spans]
    fit = [i for i, t in enumerate(texts) if reads_well(t)]
    if not fit:
        return None
    typed = [i for i in fit if any(rows[i][m] for m in wanted)]
    if kinds and not typed:
        return None  # a 谁-question never leads with a place, nor a 多少-question with a name
    best = max(typed or fit, key=probs.__getitem__)
    second = max((p for i, p in enumerate(probs) if i != best), default=0.0)
    a, b = spans[best]
    text = texts[best]
    if not text or _ALNUM.findall(text) == _ALNUM.findall(quote):
        return None  # the whole sentence but its punctuation: nothing shorter to lead with
    p, r = probs[best], rows[best]
    row = [
        *question_row(info, fr),
        p,
        math.log(max(p, 1e-6) / max(1 - p, 1e-6)),
        second,
        p - second,
        math.log1p(len(text)),
        len(text) / max(1, len(quote.strip())),
        r[_AT["whole_clause"]],
        1.0 if best in typed else 0.0,
        r[_AT["in_question_share"]],
        r[_AT["inside_question"]],
        math.log1p(len(quote)),
        float(sum(1 for rr in rows if rr[_AT["whole_clause"]])),
        len(quote) / max(1, len(answer_text)),
    ]
    return ShortCase(Span(text, a, b, p), row)


def question_row(info: QuestionInfo, fr: Frame | None = None) -> list[float]:
    """What the question asks (QUESTION_FEATURES order); `fr` its frame, when the caller has it."""
    endings, _, trailing, *_ = _wording()
    asked = info.folded.rstrip(trailing)
    kinds = set(info.kinds) & set(TYPES)
    wh = (fr or frame(info)).wh
    return [
        *(1.0 if wh == c else 0.0 for c in (*wh_classes()[0], "none")),
        *(1.0 if k in kinds else 0.0 for k in TYPES),
        1.0 if kinds else 0.0,
        1.0 if info.listing else 0.0,
        float(question_words(info.folded)),
        math.log1p(len(info.folded)),
        1.0 if asked.endswith(endings) else 0.0,
        1.0 if asks_reason(info) else 0.0,
    ]


def short_model(path: Path = SHORT_MODEL_PATH) -> ReaderModel:
    return load_model(path, DECISION_FEATURES)


def decided_span(info: QuestionInfo, quote: str, answer_text: str, spans: TreeModel) -> Span | None:
    """The short answer to lead with, or None when the decision model finds the sentence better."""
    case = short_case(info, quote, answer_text, spans)
    if case is None:
        return None
    model = short_model()
    return case.span if model.probability(case.row) >= model.threshold else None
