"""Counting and listing questions (多少起/多少人/哪些人/哪些单位 with a sanction, place or time
condition) answered from the case table that indexing built, not from one passage: the count, the
list with one citation per case (its sentence), and the totals the documents state, cited too, so
that "通报了10起" next to three cases described says the documents may be incomplete.

`CaseTableAnswerer` wraps the configured answerer: a question the analysis did not mark as a case
question (Query.cases is None) goes to it unchanged."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rag.answer.extractive import Answerer
from rag.cases.model import Case
from rag.cases.question import CaseQuestion
from rag.cases.select import select_cases, stated_totals
from rag.cases.stored import DocCases, all_cases, all_totals
from rag.cases.totals import Total
from rag.ingest.pages import page_of
from rag.query.analysis import Query, as_query
from rag.types import Answer, Chunk, Citation, Document, Hit
from rag.zh.lexicon import lexicon
from rag.zh.text import char_bigrams, fold


@dataclass(frozen=True)
class TableAnswer:
    cases: tuple[Case, ...]
    totals: tuple[Total, ...]
    answer: Answer


def _t(key: str) -> str:
    return lexicon().text(f"sanctions.cases.answer.{key}")


def choose(
    cq: CaseQuestion, table: Mapping[str, DocCases], documents: Mapping[str, Document], question: str = ""
):
    """(the cases that fit, the totals their documents, or the documents naming the place, state)."""
    dates = {i: d.date for i, d in documents.items()}
    cases = select_cases(all_cases(table), cq.query, dates)
    if cq.units:
        cases = [c for c in cases if not c.name]
    docs = {c.doc_id for c in cases}
    if cq.query.place:
        place = fold(cq.query.place)
        docs |= {i for i, d in documents.items() if place in fold(d.title) or place in fold(d.text)}
    elif not cases:
        docs = set(table)
    # a list names cases: a stated total only says something about it when it counts the same sanction
    totals = (
        stated_totals(all_totals(table), docs, cq.query) if cq.kind == "count" or cq.query.sanction else []
    )
    if cq.measure and any(t.measure == cq.measure for t in totals):
        totals = [t for t in totals if t.measure == cq.measure]
    totals = _closest(totals, question, cq.query.place)
    if (
        cq.kind == "count" and totals
    ):  # the cases described *of* the stated totals: same document, same action
        actions = {t.sanction for t in totals}
        general = any(
            not a or a in lexicon().words("sanctions.cases.questions.any_sanction") for a in actions
        )
        cases = [
            c
            for c in cases
            if c.doc_id in {t.doc_id for t in totals}
            and (general or any(s.value in actions for s in c.sanctions))
        ]
    return cases, totals


def _closest(totals: list[Total], question: str, place: str) -> list[Total]:
    """The totals whose counted action shares words other than the place with the question, closest
    first (问责了多少党员干部 -> 问责党员干部89人, not 处理违纪问题48起 of the same sentence); all when
    none does."""
    asked = set(char_bigrams(fold(question))) - set(char_bigrams(fold(place)))
    scored = [(len(asked & set(char_bigrams(fold(t.what.value)))), i, t) for i, t in enumerate(totals)]
    if not any(score for score, _, _ in scored):
        return totals
    return [t for score, _, t in sorted(scored, key=lambda x: (-x[0], x[1])) if score]


class _Cite:
    """Numbers citations in order: one per case (cases sharing a sentence each cite it), one per
    distinct sentence of the stated totals."""

    def __init__(self, documents: Mapping[str, Document], chunks: Sequence[Chunk]) -> None:
        self.documents, self.chunks, self.out = documents, chunks, []

    def __call__(self, doc_id: str, span: tuple[int, int] | None, share: bool = False) -> str:
        if not span or doc_id not in self.documents:
            return ""
        doc = self.documents[doc_id]
        for c in self.out if share else ():
            if (c.doc_id, c.start, c.end) == (doc_id, *span):
                return f"[{c.n}]"
        chunk = next((c for c in self.chunks if c.doc_id == doc_id and c.start <= span[0] < c.end), None)
        n, page = len(self.out) + 1, page_of(doc, span[0])
        self.out.append(
            Citation(n, chunk.id if chunk else "", doc_id, doc.title, doc.text[slice(*span)], *span, page)
        )
        return f"[{n}]"


def _item(case: Case, cite: _Cite) -> str:
    who = case.name.value or case.unit.value
    post = case.post.value or (case.unit.value if case.name else "")
    sanctions = "、".join(dict.fromkeys(s.value for s in case.sanctions))
    text = _t("item").format(who=who, post=post + _t("post_separator") if post else "", sanctions=sanctions)
    first = case.sanctions[0].sentence if case.sanctions else (case.evidence or (None,))[0]
    return text + cite(case.doc_id, first)


def table_answer(
    query: Query, table: Mapping[str, DocCases], documents: Mapping[str, Document], chunks: Sequence[Chunk]
) -> TableAnswer:
    cq = query.cases
    assert cq is not None, "table_answer needs a case question"
    cases, totals = choose(cq, table, documents, query.rewritten)
    cite = _Cite(documents, chunks)

    def case_part() -> list[str]:
        if not cases:
            return []
        people = sum(c.persons or 1 for c in cases)
        items = _t("item_separator").join(_item(c, cite) for c in cases)
        head = _t("found").format(n=len(cases), items=items)
        return [head.replace("：", _t("people").format(n=people) + "：", 1) if people != len(cases) else head]

    def total_part() -> list[str]:
        if not totals:
            return []
        stated = [
            _t("stated_item").format(what=t.what.value, count=t.count, measure=t.measure) for t in totals
        ]
        marks = [cite(t.doc_id, t.what.sentence, share=True) for t in totals]
        joined = _t("item_separator").join(s + m for s, m in zip(stated, marks, strict=True))
        return [_t("stated").format(items=joined)]

    # a count leads with the number the documents state, a list with the cases
    parts = total_part() + case_part() if cq.kind == "count" else case_part() + total_part()
    found_by = {"起": len(cases), "人": sum(c.persons or 1 for c in cases)}
    if any(t.count > found_by.get(t.measure, len(cases)) for t in totals):
        parts.append(_t("incomplete") if cases else _t("none_described"))
    # "一共问责了多少人" names no sanction: it asks for a total, which only a stated total answers;
    # the cases described are then offered, as the extractive answerer offers the nearest passages
    no_total = cq.kind == "count" and not cq.query.sanction and not totals
    if no_total and parts:
        parts.insert(0, _t("no_total"))
    text = "".join(parts) or _t("none")
    answer = Answer(
        query.text,
        text,
        abstained=not parts or no_total,
        rewritten_query=query.rewritten,
        citations=tuple(cite.out),
    )
    return TableAnswer(tuple(cases), tuple(totals), answer)


class CaseTableAnswerer:
    """The wrapped answerer, except that case questions are answered from the table."""

    def __init__(self, inner: Answerer, snapshot: Any) -> None:
        self.inner, self.snapshot = inner, snapshot
        self.name = inner.name

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        query = as_query(question)
        table = getattr(self.snapshot, "cases", None)
        table = {i: c for i, c in table.items() if i in documents} if table else table  # a search filter
        if query.cases is None or not table:
            yield from self.inner.stream(query, hits, documents)
            return
        chunks = list(self.snapshot.chunks.values())
        answer = table_answer(query, table, documents, chunks).answer
        yield answer.text
        yield Answer(
            answer.question,
            answer.text,
            answer.abstained,
            answer.rewritten_query,
            answer.citations,
            tuple(hits),
        )
