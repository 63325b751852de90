"""One analysis per question: `analyse(question, history) -> Query`, built once by the pipeline and
read by retrieval, rerank and the answerers; nothing downstream rewrites, splits or analyses the
question again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.cases.question import CaseQuestion, case_question
from rag.query.question import QuestionInfo, analyse_question, split_question
from rag.query.rewrite import rewrite_followup


@dataclass(frozen=True)
class Query:
    """A question analysed: the text asked, its follow-up rewrite, and what it asks."""

    text: str  # as asked, stripped
    rewritten: str  # references to earlier turns made explicit; `text` when it stands alone
    whole: QuestionInfo  # the analysis of `rewritten`
    parts: tuple[QuestionInfo, ...]  # each thing it asks, analysed; (whole,) for a simple question
    cases: CaseQuestion | None = None  # a counting/listing question the case table answers

    @property
    def searches(self) -> tuple[QuestionInfo, ...]:
        """What retrieval searches for: the whole question, and each part when it asks several things."""
        return (self.whole, *self.parts) if len(self.parts) > 1 else (self.whole,)


def analyse(question: str, history: Sequence[tuple[str, str]] = ()) -> Query:
    """The question (after `history`, the conversation's (user, assistant) turns) analysed once."""
    text = question.strip()
    rewritten = rewrite_followup(text, history)
    whole = analyse_question(rewritten)
    parts = tuple(whole if p == rewritten else analyse_question(p) for p in split_question(rewritten))
    cases = case_question(rewritten) if len(parts) == 1 else None  # one thing asked, about cases
    return Query(text=text, rewritten=rewritten, whole=whole, parts=parts, cases=cases)


def as_query(question: str | Query) -> Query:
    """A Query as it is, or a question without history analysed (callers outside the pipeline)."""
    return question if isinstance(question, Query) else analyse(question)
