"""Choosing cases for a counting or listing question (多少起/哪些人 with a sanction, place, time or
document condition), and the totals the same documents state, so that an answer can say
"通报了10起, 资料中描述了3起"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rag.cases.model import Case
from rag.cases.table import cue, sanction_table
from rag.cases.totals import Total
from rag.zh.text import fold

_PLACE_FIELDS = ("place", "region", "unit", "post")


@dataclass(frozen=True)
class CaseQuery:
    sanction: str = ""  # a standard name (留党察看) or a category word (政务处分, 党纪)
    place: str = ""  # 天津, 西宁市城西区: matches a case's place, region, unit or post
    time: str = ""  # 2020, 2021-11: the case's stated date, else its document's date
    doc_id: str = ""


def category_of(word: str) -> str:
    """The table category a word names (政务处分 -> "government"), or ""."""
    for item in cue("category_names"):
        category, _, words = item.partition("=")
        if fold(word) in words.split("|"):
            return category
    return ""


def _has_sanction(case: Case, wanted: str) -> bool:
    category = category_of(wanted)
    table = sanction_table()
    if category:
        return any(category in table.categories.get(s.value, ()) for s in case.sanctions)
    name = table.forms.get(fold(wanted), fold(wanted))
    return any(s.value == name for s in case.sanctions)


def _in_place(case: Case, place: str) -> bool:
    want = fold(place)
    fields = case.fields()
    for name in _PLACE_FIELDS:
        have = fold(fields[name].value)
        if have and (want in have or (name in ("place", "region") and have in want)):
            return True
    return False


def _year_month(text: str) -> tuple[str, str]:
    """("2020", "2") from 2020年2月 / 2020-02-22 / 2020.02.22; missing parts empty."""
    m = re.search(r"((?:19|20)\d{2})?\s*(?:年|[.\-/])?\s*(?:(\d{1,2})\s*(?:月|[.\-/]))?", fold(text))
    return (m.group(1) or "", str(int(m.group(2))) if m and m.group(2) else "") if m else ("", "")


def _in_time(case: Case, time: str, doc_date: str) -> bool:
    want_y, want_m = _year_month(time.replace("-", "年", 1) + ("月" if "-" in time else ""))
    have_y, have_m = _year_month(case.date.value)
    if not have_y:  # a date without a year (1月29日) takes the year of its document
        have_y = _year_month(doc_date)[0]
        have_m = have_m or (_year_month(doc_date)[1] if not case.date else "")
    if want_y and want_y != have_y:
        return False
    return not want_m or want_m == have_m


def select_cases(
    cases: Iterable[Case], query: CaseQuery, doc_dates: Mapping[str, str] | None = None
) -> list[Case]:
    dates = doc_dates or {}
    return [
        c
        for c in cases
        if (not query.doc_id or c.doc_id == query.doc_id)
        and (not query.sanction or _has_sanction(c, query.sanction))
        and (not query.place or _in_place(c, query.place))
        and (not query.time or _in_time(c, query.time, dates.get(c.doc_id, "")))
    ]


def stated_totals(totals: Sequence[Total], doc_ids: Iterable[str], query: CaseQuery) -> list[Total]:
    """The totals the given documents state that fit the query's sanction (all when it names none)."""
    docs = set(doc_ids)
    wanted = sanction_table().forms.get(fold(query.sanction), "") if query.sanction else ""
    return [t for t in totals if t.doc_id in docs and (not wanted or t.sanction == wanted)]
