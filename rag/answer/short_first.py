"""Short answer first: the learned span model (rag.answer.spans) reads the first sentence an answer
quotes, and when the learned decision (rag.answer.short_decision: the question, the span model's
confidence, the span's length…) finds the span scores better than the sentence, the answer begins
with it (「羅爾德·阿蒙森」) and Answer.short_answer is set. The quote and its citation do
not change: the span only adds the words a reader looks for first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.answer.citations import without_markers
from rag.answer.extractive import Answerer, answer, stream_built
from rag.answer.read_decision import READ_MODEL_PATH, leading_span
from rag.answer.short_decision import SHORT_MODEL_PATH, decided_span, question_words
from rag.answer.spans import SPAN_MODEL_PATH, span_model
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit

if TYPE_CHECKING:
    from rag.answer.qa_reader import QAReader


def with_short_answer(query: Query, ans: Answer, reader: QAReader | None = None) -> Answer:
    """`ans` led by the short answer inside its first quote; `ans` unchanged when there is none (also
    when it already has one, declines, or answers a question that asks several things).

    With the fine-tuned span `reader` (rag.answer.qa_reader), its span when a learned decision
    (rag.answer.read_decision) finds it scores better than the answer without it; otherwise, or without
    it, the feature span model's span when its own learned decision (rag.answer.short_decision) finds it
    scores better than the sentence."""
    info = query.whole
    if ans.abstained or ans.short_answer or not ans.citations or not asks_one_thing(query):
        return ans
    quote = ans.citations[0].quote
    text = ""
    if reader is not None and READ_MODEL_PATH.exists():
        text = leading_span(info, quote, reader.read(query.rewritten, quote))
    if not text and SPAN_MODEL_PATH.exists() and SHORT_MODEL_PATH.exists():
        span = decided_span(info, quote, without_markers(ans.text), span_model())
        text = span.text if span is not None else ""
    if not text:
        return ans
    return replace(ans, text=f"「{text}」{ans.text}", short_answer=text)


def asks_one_thing(query: Query) -> bool:
    """Whether a short answer can lead: one part, one question word ("多少轮、多少次" asks two)."""
    return len(query.parts) == 1 and question_words(query.whole.folded) <= 1


def without_short_answer(ans: Answer) -> Answer:
    """`ans` without the short answer it leads with (the learned reader's own choice), so that
    with_short_answer decides it the same way for every reader."""
    lead = f"「{ans.short_answer}」"
    if not ans.short_answer or not ans.text.startswith(lead):
        return ans
    return replace(ans, text=ans.text[len(lead) :], short_answer="")


@dataclass(frozen=True)
class ShortFirst:
    """An answerer whose answers lead with their short answer (with_short_answer)."""

    inner: Answerer
    spans: QAReader | None = None  # the fine-tuned span reader; None: the feature span model

    @property
    def name(self) -> str:
        return self.inner.name

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        query = as_query(question)
        built = answer(self.inner, query, hits, documents)
        yield from stream_built(with_short_answer(query, built, self.spans))
