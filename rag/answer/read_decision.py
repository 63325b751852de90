"""Lead with the span reader's span? The fine-tuned span reader (rag.answer.qa_reader) reads the first
sentence an answer quotes; a small learned decision says whether its span scores better than what the
answer shows without it (the feature span model's span when its own decision shows one, else the
answer's sentences). It reads what the question asks (rag.answer.short_decision.question_row), how
sure the reader is (its span's and "no answer here"'s logits) and what the span is (length, share of
its clause and of the sentence, words it repeats from the question).

Why learned: a fixed margin (4, session 8) was the best one threshold for both public sets together,
but their gold answers differ (DRCD's are short spans, CMRC 2018's often a clause), and the question
tells which kind of answer it wants better than the margin alone. The model (read_model.json, a
logistic regression written by eval/train_read_short.py on both sets' tune splits) is plain JSON.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rag.answer.learned import ReaderModel, load_model
from rag.answer.short_decision import QUESTION_FEATURES, question_row, reads_well
from rag.query.question import QuestionInfo
from rag.zh.lexicon import lexicon, lexicon_cached

if TYPE_CHECKING:
    from rag.answer.qa_reader import ReadSpan

READ_MODEL_PATH = Path(__file__).with_name("read_model.json")

READ_FEATURES: tuple[str, ...] = (
    *QUESTION_FEATURES,
    "margin",
    "span_logits",
    "null_logits",
    "span_log_chars",
    "clause_log_chars",
    "quote_log_chars",
    "span_share_of_clause",
    "clause_share_of_quote",
    "span_whole_clause",
    "clause_whole_quote",
    "span_in_question",
    "span_reads_well",
)


@lexicon_cached
@lru_cache(maxsize=1)
def _marks() -> tuple[str, str]:
    lex = lexicon()
    ends = lex.text("text.sentence_ends")
    return ends, ends + lex.text("reader.clause_marks")


def read_span_text(quote: str, read: ReadSpan) -> str:
    """The read's span without sentence-end marks; "" when it is the whole sentence."""
    ends, _ = _marks()
    text = read.text.strip().rstrip(ends)
    return "" if not text or text == quote.strip().rstrip(ends) else text


def clause_around(quote: str, start: int, end: int) -> str:
    """The clause (or run of clauses) of `quote` holding quote[start:end], without its end mark."""
    ends, marks = _marks()
    while start > 0 and quote[start - 1] not in marks:
        start -= 1
    while end < len(quote) and quote[end] not in marks:
        end += 1
    return quote[start:end].strip().rstrip(ends)


def read_row(info: QuestionInfo, quote: str, read: ReadSpan) -> list[float]:
    """The decision's features (READ_FEATURES order)."""
    ends, _ = _marks()
    whole = quote.strip().rstrip(ends)
    span = read_span_text(quote, read)
    clause = clause_around(quote, read.start, read.end)
    clause_is_quote = clause == whole
    asked = set(info.folded)
    return [
        *question_row(info),
        read.margin,
        read.score,
        read.null,
        math.log1p(len(span)),
        math.log1p(len(clause)),
        math.log1p(len(whole)),
        len(span) / max(1, len(clause)),
        len(clause) / max(1, len(whole)),
        1.0 if span and span == clause else 0.0,
        1.0 if clause_is_quote else 0.0,
        sum(c in asked for c in span) / len(span) if span else 0.0,
        1.0 if reads_well(span) else 0.0,
    ]


@lru_cache(maxsize=1)
def read_model(path: Path = READ_MODEL_PATH) -> ReaderModel:
    return load_model(path, READ_FEATURES)


def leading_span(info: QuestionInfo, quote: str, read: ReadSpan | None) -> str:
    """The span reader's span of `quote` when the decision finds it scores better than the answer
    without it, else ""."""
    text = read_span_text(quote, read) if read is not None else ""
    if not text:
        return ""
    model = read_model()
    return text if model.probability(read_row(info, quote, read)) >= model.threshold else ""
