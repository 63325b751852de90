"""Short answer first for the extractive reader: when the question asks for a name, place, number,
date or organisation (rag.answer.reader_features.TYPES), the learned span model (rag.answer.spans)
reads the first sentence the reader quotes; when its best span passes the model's threshold the
answer begins with it (「羅爾德·阿蒙森」) and Answer.short_answer is set. The quote and its citation do
not change: the span only adds the words a reader looks for first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from rag.answer.extractive import Answerer, answer, stream_built
from rag.answer.question_frame import frame, wh_classes
from rag.answer.reader_features import TYPES
from rag.answer.span_features import FEATURES, span_rows
from rag.answer.spans import SPAN_MODEL_PATH, Span, span_model
from rag.answer.trees import TreeModel
from rag.query.analysis import Query, as_query
from rag.query.question import QuestionInfo
from rag.types import Answer, Document, Hit
from rag.zh.text import fold

_MATCH = {k: FEATURES.index(f"{k}_match") for k in TYPES}


def question_words(folded: str) -> int:
    """How many question words (reader.wh_classes, longest first, not overlapping) a question holds:
    "多少轮、多少次" asks for two answers, and one span cannot be both."""
    n = 0
    for word, _ in wh_classes()[1]:
        n += folded.count(word)
        folded = folded.replace(word, "\0")
    return n


def typed_span(info: QuestionInfo, sentence: str, model: TreeModel) -> Span | None:
    """The most probable span of `sentence` that holds a kind of answer the question asks for (a
    number for 多少, a name for 谁…: the span features' `<kind>_match`), or None."""
    kinds = set(info.kinds) & set(TYPES)
    folded = fold(sentence)
    spans, rows = span_rows(frame(info), folded)
    typed = [i for i, r in enumerate(rows) if any(r[_MATCH[k]] for k in kinds)]
    if not typed:
        return None
    probs = model.probabilities([rows[i] for i in typed])
    best = max(range(len(typed)), key=probs.__getitem__)
    a, b = spans[typed[best]]
    # fold keeps one character per character for nearly all text; when it does not, show the folded span
    text = sentence[a:b] if len(folded) == len(sentence) else folded[a:b]
    return Span(text.strip(), a, b, probs[best])


def with_short_answer(query: Query, ans: Answer) -> Answer:
    """`ans` led by the short answer inside its first quote, when the question asks for one typed
    answer and the span model is confident in a span of that type; `ans` unchanged otherwise (also
    when it already has one, declines, or answers a question that asks several things)."""
    info = query.whole
    if ans.abstained or ans.short_answer or not ans.citations or len(query.parts) > 1:
        return ans
    if not set(info.kinds) & set(TYPES) or question_words(info.folded) > 1 or not SPAN_MODEL_PATH.exists():
        return ans
    model = span_model()
    quote = ans.citations[0].quote
    span = typed_span(info, quote, model)
    if span is None or span.probability < model.threshold or not span.text or span.text == quote.strip():
        return ans
    return replace(ans, text=f"「{span.text}」{ans.text}", short_answer=span.text)


@dataclass(frozen=True)
class ShortFirst:
    """An answerer whose answers lead with their short answer (with_short_answer)."""

    inner: Answerer

    @property
    def name(self) -> str:
        return self.inner.name

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        query = as_query(question)
        yield from stream_built(with_short_answer(query, answer(self.inner, query, hits, documents)))
