"""The case table as the page shows it (no gradio here): filtered, sorted, each row a <details> that
opens its sources, every field with the sentence it came from and its words marked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rag.cases.model import Case, Field
from rag.cases.select import CaseQuery, select_cases
from rag.cases.stored import DocCases, all_cases
from rag.types import Document
from rag.web.i18n import lang_of, strings
from rag.web.markup import highlight, render

SORTS = ("doc", "name", "sanction", "date", "place")
_FIELDS = ("name", "post", "unit", "place", "region", "violation", "decided_by", "date")


@dataclass(frozen=True)
class Source:
    label: str
    value: str
    sentence: Markup  # the sentence, the field's words marked


@dataclass(frozen=True)
class Row:
    case: Case
    who: str
    post: str
    place: str
    sanctions: str
    decided_by: str
    date: str
    title: str
    sources: tuple[Source, ...]


def _source(label: str, f: Field, doc: Document | None) -> Source | None:
    if not f or not f.sentence or doc is None:
        return None
    a, b = f.sentence
    spans = [(f.span[0] - a, f.span[1] - a)] if f.span else []
    return Source(label, f.value, highlight(doc.text[a:b], spans))


def _row(case: Case, doc: Document | None, s: Mapping[str, str]) -> Row:
    fields = case.fields()
    sources = [_source(s[f"case_{name}"], fields[name], doc) for name in _FIELDS]
    sources += [_source(s["case_sanctions"], f, doc) for f in case.sanctions]
    return Row(
        case=case,
        who=case.key,
        post=case.post.value or case.unit.value,
        place=case.place.value or case.region.value,
        sanctions="、".join(dict.fromkeys(f.value for f in case.sanctions)),
        decided_by=case.decided_by.value,
        date=case.date.value,
        title=doc.title if doc else case.doc_id,
        sources=tuple(x for x in sources if x is not None),
    )


def _date_key(text: str) -> tuple[int, ...]:
    """2022年4月8日, 2020.02.22 -> (2022, 4, 8): dates sort by their numbers, not their writing."""
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def _sort_key(sort: str):
    def key(row: Row):
        values = {"name": row.who, "sanction": row.sanctions, "date": _date_key(row.date), "place": row.place}
        value = values.get(sort, "")
        return (not value, value) if sort in SORTS[1:] else (False, "")

    return key


def case_rows(
    table: Mapping[str, DocCases],
    documents: Mapping[str, Document],
    query: CaseQuery,
    sort: str,
    lang: str,
) -> list[Row]:
    """The cases that pass the filters, in document order or sorted (stably) by `sort`."""
    s = strings()[lang_of(lang)]
    dates = {i: d.date for i, d in documents.items()}
    rows = [_row(c, documents.get(c.doc_id), s) for c in select_cases(all_cases(table), query, dates)]
    return sorted(rows, key=_sort_key(sort))


def cases_html(rows: Sequence[Row], lang: str, total: int) -> Markup:
    return render("cases.html", rows=rows, s=strings()[lang_of(lang)], total=total)


def sanction_choices(table: Mapping[str, DocCases]) -> list[str]:
    """The sanctions the table holds, for the filter."""
    return sorted({f.value for c in all_cases(table) for f in c.sanctions})
