"""Short answer first for the extractive reader: when the question asks for a name, place, number,
date or organisation (rag.answer.reader_features.TYPES), the learned span model (rag.answer.spans)
reads the first sentence the reader quotes; when its best span passes the model's threshold the
answer begins with it (「羅爾德·阿蒙森」) and Answer.short_answer is set. The quote and its citation do
not change: the span only adds the words a reader looks for first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from rag.answer.extractive import Answerer, answer, stream_built
from rag.answer.question_frame import frame
from rag.answer.reader_features import TYPES
from rag.answer.spans import SPAN_MODEL_PATH, best_span, span_model
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit


def with_short_answer(query: Query, ans: Answer) -> Answer:
    """`ans` led by the short answer inside its first quote, when the question asks for a typed
    answer and the span model is confident; `ans` unchanged otherwise (also when it already has one,
    declines, or answers a question that asks several things)."""
    info = query.whole
    if ans.abstained or ans.short_answer or not ans.citations or len(query.parts) > 1:
        return ans
    if not set(info.kinds) & set(TYPES) or not SPAN_MODEL_PATH.exists():
        return ans
    model = span_model()
    quote = ans.citations[0].quote
    span = best_span(frame(info), quote, model)
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
